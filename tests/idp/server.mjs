// The certified `oidc-provider`, one issuer per org, for MentorNet's sign-in tests.
//
//   node server.mjs CONFIG.json
//
// CONFIG: {"orgs": [{"slug", "client_id", "client_secret", "redirect_uris": [...],
//                    "post_logout_redirect_uris": [...], "accounts": {"<sub>": {claims}}}]}
// Each org gets its own HTTP server on a free loopback port (issuer http://127.0.0.1:PORT).
// When every server listens, one JSON line is printed: {"issuers": {"<slug>": "<issuer>"}}.
//
// Tests make an issuer misbehave with `POST <issuer>/__control` and a JSON body:
//   {"misbehave": {...}}  replaces the misbehaviour (see `misbehave` below; {} = behave)
//   {"rotate_key": true}  signs with a brand-new key from now on (the old one is dropped)
// Misbehaviour is applied to the real provider's responses after it produced them, and the ID
// token is re-signed with the provider's own key, so only the one thing under test is wrong.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function newSigningKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  jwk.kid = `k-${crypto.randomUUID()}`;
  jwk.alg = 'RS256';
  jwk.use = 'sig';
  return jwk;
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function tamperIdToken(idToken, state) {
  const m = state.misbehave;
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  Object.assign(claims, m.id_token_claims || {});
  for (const [name, offset] of Object.entries(m.id_token_offsets || {})) {
    claims[name] = now + offset;
  }
  if (m.id_token_alg === 'none') {
    return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  }
  const jwk = m.sign_with_unknown_key ? await newSigningKey() : state.key;
  const key = await jose.importJWK(jwk, 'RS256');
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(key);
}

function misbehaviour(state) {
  return async (ctx, next) => {
    await next();
    const m = state.misbehave;
    if (ctx.path === '/.well-known/openid-configuration' && m.discovery_issuer) {
      ctx.body = { ...ctx.body, issuer: m.discovery_issuer };
    }
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
      const tamper = m.id_token_claims || m.id_token_offsets || m.id_token_alg
        || m.sign_with_unknown_key;
      if (tamper) ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token, state) };
    }
    if (ctx.path === '/me' && ctx.status === 200 && m.userinfo_sub) {
      ctx.body = { ...ctx.body, sub: m.userinfo_sub };
    }
  };
}

function buildProvider(issuer, org, state) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: org.client_id,
      client_secret: org.client_secret,
      redirect_uris: org.redirect_uris,
      post_logout_redirect_uris: org.post_logout_redirect_uris || [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    async findAccount(ctx, id) {
      const claims = org.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      mentornet: ['employee_id', 'department', 'job_title', 'manager_employee_id', 'groups'],
    },
    conformIdTokenClaims: false,
    jwks: { keys: [state.key] },
    cookies: { keys: [`cookie-key-${org.slug}-${crypto.randomUUID()}`] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  });
  provider.use(misbehaviour(state));
  return provider;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

async function serveOrg(org) {
  const state = { key: await newSigningKey(), misbehave: {}, provider: null };
  const server = createServer(async (req, res) => {
    if (req.url === '/__control' && req.method === 'POST') {
      const body = await readJson(req);
      if (body.misbehave) state.misbehave = body.misbehave;
      if (body.rotate_key) {
        state.key = await newSigningKey();
        state.provider = buildProvider(state.issuer, org, state);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kid: state.key.kid }));
      return;
    }
    state.provider.callback()(req, res);
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  state.issuer = `http://127.0.0.1:${server.address().port}`;
  state.provider = buildProvider(state.issuer, org, state);
  return [org.slug, state.issuer];
}

const issuers = Object.fromEntries(await Promise.all(config.orgs.map(serveOrg)));
process.stdout.write(`${JSON.stringify({ issuers })}\n`);
