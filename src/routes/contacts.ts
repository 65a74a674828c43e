/**
 * Contacts (../shared/CONTRACT.md §3): which of my contacts are on Pictever, and my address book.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { ADDRESS_BOOK_OBJECT_PATTERN, parseAddressBook } from '../domain/addressBook';
import { sentNumbers, type SentNumber } from '../domain/phone';
import { parseRequestJson } from '../domain/requestText';
import { JSON_LIST_TEXT_PATTERN } from '../domain/textPatterns';
import { parseFields, sessionUserId } from '../http/edge';
import { AppError } from '../http/errors';
import { formBody, UPLOAD_LIMIT_BYTES } from '../http/form';
import { requireLogin } from '../http/session';
import { getAddressBook, uploadContacts } from '../services/contacts/contacts';
import { uploadAddressBook } from '../services/contacts/upload';

// The JSON Schema of each field (src/openapi): a JSON list once trimmed, which is all the
// routes check; an address book may also be any text holding a flat object (domain/addressBook).
const contactsForm = z.object({
  contacts: z.string().trim().min(1, 'must not be empty').meta({ pattern: JSON_LIST_TEXT_PATTERN }),
});
const addressBookForm = z.object({
  address_book: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .meta({ anyOf: [{ pattern: JSON_LIST_TEXT_PATTERN }, { pattern: ADDRESS_BOOK_OBJECT_PATTERN }] }),
});

/** The forms of these routes, which src/openapi describes. */
export const contactForms = { contacts: contactsForm, addressBook: addressBookForm };

/**
 * The JSON list of numbers, each once as sent; entries that are not phone numbers are
 * skipped, and at most `max` numbers (CONTACTS_MAX_NUMBERS) are looked at.
 */
function phoneList(json: string, max: number): SentNumber[] {
  let list: unknown;
  try {
    list = parseRequestJson(json);
  } catch {
    throw AppError.badRequest('invalid field contacts: not JSON');
  }
  if (!Array.isArray(list)) throw AppError.badRequest('invalid field contacts: not a JSON list');
  return sentNumbers(list, max);
}

export function contactRoutes(deps: AppDeps): Router {
  const router = Router();
  // The only 6 MB bodies, read after the session check: without a session, a 401 unread.
  const upload = formBody(UPLOAD_LIMIT_BYTES);

  router.post('/upload_contacts', requireLogin, upload, async (req, res) => {
    const form = parseFields(contactsForm, req.body);
    const phones = phoneList(form.contacts, deps.config.CONTACTS_MAX_NUMBERS);
    res.status(200).json(await uploadContacts(deps, sessionUserId(req), phones));
  });

  router.post('/upload_address_book', requireLogin, upload, async (req, res) => {
    const form = parseFields(addressBookForm, req.body);
    const book = parseAddressBook(form.address_book);
    if (!book.recognised) throw AppError.badRequest('invalid field address_book: no contact in it');
    const kept = await uploadAddressBook(deps, sessionUserId(req), book.contacts);
    req.log.info({ objects: book.objects, contacts: book.contacts.length, kept }, 'address book stored');
    res.status(200).end();
  });

  router.get('/get_address_book', requireLogin, async (req, res) => {
    const items = await getAddressBook(deps, sessionUserId(req));
    if (items === null) res.status(200).end();
    else res.status(200).json(items);
  });

  return router;
}
