/**
 * The JSON answers whose every value is a string (../shared/CONTRACT.md §3: a number or a
 * null where the apps expect a string crashes them). Declared once here: the services'
 * mappers return these types, src/openapi/ describes them, the tests read their keys.
 * Key order is the wire order (`Object.keys(shape.shape)`). It lives below services and the HTTP edge, like AppError
 * (domain/ stays free of packages).
 */
import { z } from 'zod';

const s = z.string();

/** One message of GET /receive_all's `new_messages`. */
export const receivedItemShape = z.strictObject({
  message_id: s,
  received_at: s,
  created_at: s,
  from_id: s,
  from_email: s,
  from_numero: s,
  from_facebook_id: s,
  from_facebook_name: s,
  message: s,
  photo_id: s,
  video_id: s,
  sound_id: s,
  receive_label: s,
  receive_color: s,
  version: s,
});
export type ReceivedItem = z.infer<typeof receivedItemShape>;

/** One number of POST /upload_contacts that has an account. */
export const contactItemShape = z.strictObject({
  phoneNumber1: s,
  user_id: s,
  status: s,
  email: s,
  facebook_id: s,
  facebook_name: s,
});
export type ContactItem = z.infer<typeof contactItemShape>;

/** One contact of GET /get_address_book: the contact item after the name from the book. */
export const addressBookItemShape = z.strictObject({ name: s, ...contactItemShape.shape });
export type AddressBookItem = z.infer<typeof addressBookItemShape>;

/** The answer of POST /login. */
export const loginValuesShape = z.strictObject({
  user_id: s,
  web_app_url: s,
  ios_version_needed: s,
  android_version_needed: s,
  force_update: s,
  amazon_app_id: s,
  aws_account_id: s,
  cognito_pool_id: s,
  cognito_role_unauth: s,
  cognito_role_auth: s,
  bucket_name: s,
  cloudfront: s,
  android_update_link: s,
  ios_update_link: s,
});
export type LoginValues = z.infer<typeof loginValuesShape>;
