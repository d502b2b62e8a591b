// app.js is the test relying party: a thin layer over @uauth/js that the
// tests call with page.evaluate. Each call returns plain data; what the app
// learned is also written into the page, as an app would show it.

const show = (data) => {
  document.getElementById('result').textContent = JSON.stringify(data, null, 2);
};
const signedIn = (text) => {
  document.getElementById('signed-in').textContent = text;
};

/** summary is what the app keeps of an Authorization. */
function summary(uauth, authorization) {
  let account;
  let accountError;
  try {
    account = uauth.getAuthorizationAccount(authorization);
  } catch (err) {
    accountError = String(err && err.message ? err.message : err);
  }
  return {
    accessToken: authorization.accessToken,
    expiresAt: authorization.expiresAt,
    scope: authorization.scope,
    idToken: authorization.idToken,
    account: account ?? null,
    accountError: accountError ?? null,
  };
}

const CONFIG_KEY = 'rp:config';

window.rp = {
  uauth: null,
  /** init creates the UAuth client; the options survive page loads. */
  init(options) {
    if (options) sessionStorage.setItem(CONFIG_KEY, JSON.stringify(options));
    const saved = JSON.parse(sessionStorage.getItem(CONFIG_KEY) || 'null');
    if (!saved) throw new Error('rp.init needs options first');
    this.uauth = new window.UAuth(saved);
    return saved;
  },
  client() {
    if (!this.uauth) this.init();
    return this.uauth;
  },
  async loginWithPopup(options = {}) {
    const uauth = this.client();
    const authorization = await uauth.loginWithPopup(options);
    const out = summary(uauth, authorization);
    signedIn(`Signed in as ${authorization.idToken.sub}`);
    show(out);
    return out;
  },
  /**
   * login starts the redirect flow; the page navigates away, so it does not
   * wait for it. A failure before the redirect lands in rp.lastError.
   */
  login(options = {}) {
    this.lastError = null;
    this.client().login(options).catch((err) => {
      this.lastError = String(err && err.message ? err.message : err);
      show({ error: this.lastError });
    });
    return true;
  },
  async loginCallback() {
    const uauth = this.client();
    const { authorization, state } = await uauth.loginCallback();
    const out = { ...summary(uauth, authorization), state: state ?? null };
    signedIn(`Signed in as ${authorization.idToken.sub}`);
    show(out);
    return out;
  },
  async user(options = {}) {
    const user = await this.client().user(options);
    show(user);
    return user;
  },
  async authorization(options = {}) {
    return this.client().authorization(options);
  },
  /** logout is like login: it navigates (rpInitiatedLogout) or not. */
  logout(options = {}) {
    this.lastError = null;
    this.done = this.client().logout(options).then(
      () => true,
      (err) => {
        this.lastError = String(err && err.message ? err.message : err);
        show({ error: this.lastError });
        return false;
      },
    );
    return true;
  },
  async logoutCallback() {
    const state = await this.client().logoutCallback();
    signedIn('Signed out');
    show({ state: state ?? null });
    return state ?? null;
  },
};
