// Entry of the browser bundle of @uauth/js that the test relying party loads
// (lib/rp-server.mjs builds it with esbuild; nothing generated is committed).
// The published build/index.umd.js cannot be loaded as is: it expects
// @uauth/common, @unstoppabledomains/resolution, global and jose as page
// globals, which nothing provides.
import UAuth from '@uauth/js';

window.UAuth = UAuth;
