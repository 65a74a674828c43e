/**
 * Contacts (src/routes/contacts.ts): which numbers are on Pictever, and the address book.
 */
import { contactForms } from '../routes/contacts';
import { addressBookItemShape, contactItemShape } from '../shapes';
import { fromZod } from './fromZod';
import {
  badRequest,
  bodyErrors,
  empty,
  formBody,
  json,
  loginRequired,
  quota,
  sessionCookie,
  unavailable,
} from './parts';

export function contactPaths() {
  return {
    '/upload_contacts': {
      post: {
        summary: 'Which of these numbers have an account (emails and Facebook identities never disclosed)',
        security: sessionCookie,
        requestBody: formBody(contactForms.contacts, {
          limit: 'at most 6 MB',
          descriptions: {
            contacts:
              'JSON list of phone numbers (strings or numbers); other entries are skipped, and entries ' +
              'past CONTACTS_MAX_NUMBERS (20,000) ignored',
          },
        }),
        responses: {
          200: json(
            { type: 'array', items: fromZod(contactItemShape) },
            'One item per number with an account, the number as sent',
          ),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
          ...quota('numbers looked up (CONTACT_LOOKUPS_PER_DAY), or too many lookups at once'),
          ...unavailable,
        },
      },
    },
    '/upload_address_book': {
      post: {
        summary: 'Store the address book; tolerant of truncated or corrupted JSON',
        security: sessionCookie,
        requestBody: formBody(contactForms.addressBook, {
          limit: 'at most 6 MB',
          descriptions: {
            address_book:
              'JSON list of {"tel", "name"}, read tolerantly (README "Address books"): the text as JSON, ' +
              'else with `"}]` appended when it does not end so, else every flat JSON object found in it. ' +
              'Entries without a usable number are skipped; a text with no list and no object is a 400',
          },
        }),
        responses: { 200: empty(), ...badRequest, ...loginRequired, ...bodyErrors, ...unavailable },
      },
    },
    '/get_address_book': {
      get: {
        summary: 'Contacts of the uploaded address book who are on Pictever',
        security: sessionCookie,
        responses: {
          200: {
            description:
              'When nothing was ever uploaded, an empty body without Content-Type. Otherwise ' +
              '`application/json`: a list of `#/components/schemas/AddressBookItem`, every value a string ' +
              '(one status, two bodies: only the list can be given a media type here)',
          },
          ...loginRequired,
          ...unavailable,
        },
      },
    },
  };
}

export const contactSchemas = { AddressBookItem: fromZod(addressBookItemShape) };
