/**
 * Every text of the account page, in English and French. The page is rendered in one of
 * them (render.ts); the `dynamic` texts are handed to its script as JSON, for the messages
 * it shows after a request. The English names of the form fields and buttons are what the
 * browser tests (and outside ones) find the page's controls by: change them with care.
 */
import type { Language } from '../../domain/language';

export interface PageTexts {
  title: string;
  intro: string;
  noscript: string;
  loading: string;
  sign_in_title: string;
  email: string;
  password: string;
  sign_in: string;
  your_account: string;
  email_shown: string;
  phone: string;
  waiting_to: string;
  waiting_from: string;
  download: string;
  delete_account: string;
  sign_out: string;
  delete_warning: string;
  type_email: string;
  delete_permanently: string;
  deleted_title: string;
  deleted_text: string;
  dynamic: DynamicTexts;
}

export interface DynamicTexts {
  wrong_credentials: string;
  too_many: string;
  busy: string;
  network: string;
  failed: string;
  signed_out: string;
  no_phone: string;
  downloading: string;
  downloaded: string;
  email_mismatch: string;
  deleting: string;
}

const en: PageTexts = {
  title: 'Your Pictever account',
  intro:
    'Sign in with the email and password of the app to see your account, download your data or delete your account.',
  noscript: 'This page needs JavaScript.',
  loading: 'Loading…',
  sign_in_title: 'Sign in',
  email: 'Email',
  password: 'Password',
  sign_in: 'Sign in',
  your_account: 'Your account',
  email_shown: 'Email address',
  phone: 'Phone number',
  waiting_to: 'Messages waiting to be delivered to you',
  waiting_from: 'Messages you sent still waiting to be delivered',
  download: 'Download my data',
  delete_account: 'Delete my account',
  sign_out: 'Sign out',
  delete_warning:
    'This deletes your account, your address book, the messages you received and the messages you sent that are not delivered yet. Messages already delivered stay with their receivers, without your name. This cannot be undone.',
  type_email: 'Type your email to confirm',
  delete_permanently: 'Delete permanently',
  deleted_title: 'Account deleted',
  deleted_text:
    'Your account and its data are deleted. You can sign up again with the same email at any time.',
  dynamic: {
    wrong_credentials: 'Wrong email or password.',
    too_many: 'Too many attempts. Try again later.',
    busy: 'The server is busy. Try again in a moment.',
    network: 'The server could not be reached. Check your connection and try again.',
    failed: 'Something went wrong. Try again.',
    signed_out: 'Your session has ended. Sign in again.',
    no_phone: 'none',
    downloading: 'Preparing your data…',
    downloaded: 'Your data was downloaded.',
    email_mismatch: 'This is not the email of this account.',
    deleting: 'Deleting…',
  },
};

const fr: PageTexts = {
  title: 'Votre compte Pictever',
  intro:
    "Connectez-vous avec l'adresse e-mail et le mot de passe de l'application pour voir votre compte, télécharger vos données ou supprimer votre compte.",
  noscript: 'Cette page a besoin de JavaScript.',
  loading: 'Chargement…',
  sign_in_title: 'Connexion',
  email: 'Adresse e-mail',
  password: 'Mot de passe',
  sign_in: 'Se connecter',
  your_account: 'Votre compte',
  email_shown: 'Adresse e-mail',
  phone: 'Numéro de téléphone',
  waiting_to: 'Messages en attente de livraison pour vous',
  waiting_from: 'Messages envoyés encore en attente de livraison',
  download: 'Télécharger mes données',
  delete_account: 'Supprimer mon compte',
  sign_out: 'Se déconnecter',
  delete_warning:
    "Cela supprime votre compte, votre carnet d'adresses, les messages reçus et les messages envoyés qui ne sont pas encore livrés. Les messages déjà livrés restent chez leurs destinataires, sans votre nom. C'est irréversible.",
  type_email: 'Tapez votre adresse e-mail pour confirmer',
  delete_permanently: 'Supprimer définitivement',
  deleted_title: 'Compte supprimé',
  deleted_text:
    'Votre compte et ses données sont supprimés. Vous pouvez vous réinscrire avec la même adresse quand vous voulez.',
  dynamic: {
    wrong_credentials: 'Adresse e-mail ou mot de passe incorrect.',
    too_many: 'Trop de tentatives. Réessayez plus tard.',
    busy: 'Le serveur est occupé. Réessayez dans un instant.',
    network: 'Le serveur est injoignable. Vérifiez votre connexion et réessayez.',
    failed: "Quelque chose n'a pas marché. Réessayez.",
    signed_out: 'Votre session a pris fin. Reconnectez-vous.',
    no_phone: 'aucun',
    downloading: 'Préparation de vos données…',
    downloaded: 'Vos données ont été téléchargées.',
    email_mismatch: "Ce n'est pas l'adresse e-mail de ce compte.",
    deleting: 'Suppression…',
  },
};

export const PAGE_TEXTS: Record<Language, PageTexts> = { en, fr };
