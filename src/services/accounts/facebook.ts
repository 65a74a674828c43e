/**
 * The original server's Facebook login (../shared/CONTRACT.md §3 login), only with
 * FACEBOOK_LOGIN=legacy. It trusts the facebook_id the client sends, without any proof,
 * so anyone knowing an id can take the account over: it is off by default.
 */
import type { AccountDeps, LoginUser } from './accounts';
import type { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/writeErrors';
import { User } from '../../models/user';

export interface FacebookLoginInput {
  facebookId: string;
  facebookName: string;
  facebookBirthday: string;
  /** Normalised email, or '' when the client sent none. */
  email: string;
  countryCode?: string;
}

/**
 * Finds the user by facebook_id, else by email (attaching the Facebook fields), else
 * creates one. An account with a password is never taken over this way: a Facebook id is
 * not attached to it, and the login fails (null).
 */
export async function facebookLogin(deps: AccountDeps, input: FacebookLoginInput): Promise<LoginUser | null> {
  const found = (u: { _id: Types.ObjectId; device?: { phone?: string } }): LoginUser => ({
    id: u._id.toHexString(),
    hasDevice: !!u.device?.phone,
  });
  const byId = await User.findOne(
    { facebook_id: { $eq: input.facebookId } },
    { 'device.phone': 1, deleting_at: 1 },
  ).lean();
  // An account being deleted is never logged in (services/privacy/deletion.ts).
  if (byId) return byId.deleting_at ? null : found(byId);
  const fields = {
    facebook_id: input.facebookId,
    facebook_name: input.facebookName,
    facebook_birthday: input.facebookBirthday,
  };
  const email = input.email || `${input.facebookId.toLowerCase()}@pictever.com`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const byEmail = await User.findOne({ email: { $eq: email } }, { 'device.phone': 1, deleting_at: 1 })
      .select('+password +legacy_password')
      .lean<{
        _id: Types.ObjectId;
        device?: { phone?: string };
        password?: string;
        legacy_password?: string;
        deleting_at?: Date;
      }>();
    if (byEmail?.password || byEmail?.legacy_password || byEmail?.deleting_at) return null;
    if (byEmail) {
      await User.updateOne({ _id: byEmail._id }, { $set: fields });
      return found(byEmail);
    }
    try {
      const created = await User.create({
        email,
        country_code: input.countryCode ?? 'us',
        created_at: deps.now(),
        ...fields,
      });
      return { id: created._id.toHexString(), hasDevice: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // created meanwhile: attach to it
    }
  }
  throw new Error('facebook login: account neither found nor created');
}
