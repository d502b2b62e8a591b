// form_post.js submits the OAuth 2.0 Form Post Response (the page's first
// form) as soon as the page has loaded. The page's <noscript> button does the
// same when JavaScript is off.

const form = document.forms[0];
if (form) {
  // HTMLFormElement.prototype.submit, because a field named "submit" would
  // hide form.submit.
  HTMLFormElement.prototype.submit.call(form);
}
