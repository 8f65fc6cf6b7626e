/**
 * Security headers on every response, written once. A strict CSP: only this site's own scripts,
 * styles and images (plus data: images); no inline script or style; no framing. Forms post to this
 * site only, but "Pay online" and the card set-up answer their form with a redirect to Stripe
 * Checkout, and browsers hold that redirect to `form-action` too, so Checkout's origin is allowed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self' https://checkout.stripe.com",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Only when the site is served over https (BASE_URL): browsers then refuse plain http for a year,
 * so a network cannot strip the site down to http. `includeSubDomains` because the association's
 * other names under its domain must not be the way in either; set BASE_URL to https only once
 * every subdomain serves https.
 */
export const HTTPS_HEADERS: Record<string, string> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};
