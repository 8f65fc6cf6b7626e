import { text } from '#core/http/forms.js';

/**
 * Names typed by the public or a member reach other people: in e-mails the site sends (an agency
 * contact's name, an organization, the greeting of a confirmation), in the directory. A name that
 * holds a web or e-mail address is how a stranger would put a link of their choosing into the
 * association's e-mail, and no person's or agency's name needs one (decision 0025).
 */
const WEB_ADDRESS = [
  // Any scheme: http://, https://, ftp://, and the "hxxp://" spelling spam uses.
  /[a-z][a-z0-9+.-]*:\/\//i,
  /\bwww\d{0,3}\s*\./i,
  // An e-mail address.
  /[^\s@]+@[^\s@]+\.[^\s@]{2,}/,
  // A domain followed by a path: example.org/, bit.ly/x.
  /[a-z0-9-]\.[a-z]{2,}[a-z0-9-]*\//i,
  // A domain with a common top-level domain, even without a path (not "J.R. Smith", "St.Clair").
  /(?:^|[^a-z0-9])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|io|uk|ru|cn|xyz|top|site|online|click|link|app|dev|ly|gl|gov|edu|live|shop|store|tk|ml|ga|cf|gq|icu|cc|page|zip|mov)(?![a-z0-9])/i,
];

export const containsWebAddress = (value: string) => WEB_ADDRESS.some((pattern) => pattern.test(value.normalize('NFKC')));

export const WEB_ADDRESS_IN_NAME = 'A name cannot contain a web address or an e-mail address.';

/** A person's or organization's name typed on a public or member form: `text`, and no web or e-mail address in it. */
export const nameText = (label: string, max = 120) => text(label, max).refine((v) => !containsWebAddress(v), WEB_ADDRESS_IN_NAME);
