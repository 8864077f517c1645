// The official Better Auth client (createAuthClient from the npm package) against this server.
// Node keeps no cookies, so the session travels as a bearer token, as the bearer plugin's docs
// describe: read `set-auth-token` from responses, send it back in `Authorization`.
// Usage: node client-flow.mjs <baseURL> <email> <password>; prints one JSON object.
import { createAuthClient } from "better-auth/client";

const [baseURL, email, password] = process.argv.slice(2);
let token;

const client = createAuthClient({
  baseURL,
  fetchOptions: {
    auth: { type: "Bearer", token: () => token },
    onSuccess: (context) => {
      const issued = context.response.headers.get("set-auth-token");
      if (issued) token = issued;
    },
  },
});

const brief = (result) => ({
  error: result.error ? { status: result.error.status, code: result.error.code } : null,
  data: result.data,
});

const out = {};
const signUp = await client.signUp.email({ email, password, name: "Node Client" });
out.signUp = brief(signUp);
out.tokenAfterSignUp = Boolean(token);

token = undefined;
out.wrongPassword = brief(await client.signIn.email({ email, password: password + "x" }));
out.signIn = brief(await client.signIn.email({ email, password, rememberMe: true }));
out.signedToken = token;

const session = await client.getSession();
out.session = brief(session);
out.expiresAtIsDate = session.data?.session?.expiresAt instanceof Date;

out.jwt = brief(await client.$fetch("/token", { method: "GET" }));
out.jwks = brief(await client.$fetch("/jwks", { method: "GET" }));

out.signOut = brief(await client.signOut());
out.sessionAfterSignOut = brief(await client.getSession());
out.jwtAfterSignOut = brief(await client.$fetch("/token", { method: "GET" }));

console.log(JSON.stringify(out));
