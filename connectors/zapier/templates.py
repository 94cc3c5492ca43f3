"""The JavaScript of the generated Zapier app: the shared library, copied as is, and the one-line modules
each trigger, create and search becomes (filled in by `export.py` with JSON from the catalog)."""

from __future__ import annotations

from connectors.zapier.auth_templates import API_REQUEST, AUTH

__all__ = ["ACTION", "API_REQUEST", "AUTH", "CHOICES", "CONFIG", "HOOK", "INDEX", "LIB"]

HTTP = r"""'use strict';
const { BASE_URL } = require('./config');

const url = (path) => BASE_URL + path;

// Every call carries the connection's credential as a bearer token: an API key or an OAuth access token.
// The token endpoint authenticates the client instead, so it gets none.
const addBearer = (request, z, bundle) => {
  const auth = bundle.authData || {};
  const token = auth.api_key || auth.access_token;
  if (token && !request.url.startsWith(url('/oauth/'))) {
    request.headers.Authorization = `Bearer ${token}`;
  }
  request.headers.Accept = request.headers.Accept || 'application/json';
  return request;
};

// RFC 6749's error codes in words, for a token endpoint that answers the code alone.
const OAUTH_ERRORS = {
  invalid_grant: 'the authorization code or refresh token is invalid, expired, revoked or already used; '
    + 'connect the account again',
  invalid_client: 'the app\'s client id or secret is wrong',
  invalid_request: 'the request is missing something the token endpoint needs',
  unauthorized_client: 'this client may not use that grant',
  unsupported_grant_type: 'the token endpoint does not take that grant',
  invalid_scope: 'a scope asked for is unknown or not allowed',
};
const oauthError = (body) => {
  if (!body.error) {
    return undefined;
  }
  return `${body.error}: ${body.error_description || OAUTH_ERRORS[body.error] || 'refused by the hub'}`;
};

// The hub's errors are problem details (RFC 9457), OAuth errors RFC 6749 JSON: show their words.
const problem = (z, response) => {
  let body = {};
  try {
    body = JSON.parse(response.content);
  } catch (err) {
    body = {};
  }
  const detail = body.detail || oauthError(body) || body.title || `HTTP ${response.status}`;
  if (response.status === 401) {
    return new z.errors.Error(`The hub refused the connection: ${detail}`, 'AuthenticationError', 401);
  }
  return new z.errors.Error(detail, body.title || body.error || 'HubError', response.status);
};

const explainProblems = (response, z) => {
  if (response.status >= 400 && !response.skipThrowForStatus) {
    throw problem(z, response);
  }
  return response;
};

module.exports = { addBearer, explainProblems, problem, url };
"""

SIGNATURE = r"""'use strict';
const crypto = require('crypto');

// Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with
// the base64 part of the hook's `whsec_` secret (kept in subscribeData when the hook was made).
const header = (headers, name) => {
  const found = Object.keys(headers || {}).find((key) => {
    const plain = key.toLowerCase().replace(/_/g, '-');
    return plain === name || plain === `http-${name}`;
  });
  return found === undefined ? undefined : String(headers[found]);
};

const sign = (secret, id, timestamp, body) => {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
};

// Refuses a delivery the hub did not sign; the editor's own test (no raw request) has nothing to check.
const verify = (z, bundle) => {
  const secret = (bundle.subscribeData || {}).secret;
  const raw = bundle.rawRequest;
  if (!secret || !raw || raw.content === undefined) {
    return;
  }
  const id = header(raw.headers, 'webhook-id');
  const timestamp = header(raw.headers, 'webhook-timestamp');
  const expected = Buffer.from(sign(secret, id, timestamp, raw.content));
  const signatures = (header(raw.headers, 'webhook-signature') || '').split(' ');
  const valid = signatures.some((entry) => {
    const [version, value] = entry.split(',');
    const given = Buffer.from(value || '');
    return version === 'v1' && given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!id || !timestamp || !valid) {
    throw new z.errors.Error('The delivery is not signed by the hub.', 'InvalidSignature', 401);
  }
};

module.exports = { verify };
"""

HOOKS = r"""'use strict';
const { problem, url } = require('./http');
const { verify } = require('./signature');
const { toZapier } = require('./fields');

// The filter values the Zap set, sent with the subscription: the hub delivers only events that meet them.
const chosen = (filters, inputData) => {
  const out = {};
  for (const { key } of filters) {
    const value = (inputData || {})[key];
    if (value !== undefined && value !== null && value !== '') {
      out[key] = value;
    }
  }
  return out;
};

// A trigger of the hub's catalog as a REST hook: turning the Zap on subscribes its URL, turning it off
// unsubscribes, and each signed delivery `{id, type, timestamp, data}` is one item.
const hookTrigger = ({ key, event, eventType, noun, label, description, filters, sample, outputFields }) => ({
  key,
  noun,
  display: { label, description },
  operation: {
    type: 'hook',
    inputFields: filters.map(toZapier),
    performSubscribe: async (z, bundle) => {
      const response = await z.request({
        url: url('/v1/hooks'),
        method: 'POST',
        body: { target_url: bundle.targetUrl, event, platform: 'zapier',
          filters: chosen(filters, bundle.inputData) },
      });
      return response.data;
    },
    performUnsubscribe: async (z, bundle) => {
      const response = await z.request({
        url: url(`/v1/hooks/${encodeURIComponent(bundle.subscribeData.id)}`),
        method: 'DELETE',
        skipThrowForStatus: true,
      });
      // 404: the hook already ended (the Zap's URL answered 410 Gone); unsubscribed either way.
      if (response.status !== 204 && response.status !== 404) {
        throw problem(z, response);
      }
      return { id: bundle.subscribeData.id };
    },
    perform: (z, bundle) => {
      verify(z, bundle);
      const { id, type, timestamp, data } = bundle.cleanedRequest;
      return type === eventType ? [{ id, type, timestamp, data }] : [];
    },
    // The organization's latest deliveries of this trigger, byte for byte (the catalog sample when none).
    performList: async (z, bundle) => {
      const response = await z.request({
        url: url(`/v1/triggers/${encodeURIComponent(event)}/samples`),
        params: { limit: 10 },
      });
      return response.data;
    },
    sample,
    outputFields,
  },
});

module.exports = { hookTrigger };
"""

FIELDS = r"""'use strict';
const { DROPDOWNS } = require('./config');
const { url } = require('./http');

const TYPES = { string: 'string', text: 'text', integer: 'integer', number: 'number', boolean: 'boolean',
  datetime: 'datetime', date: 'string' };

// A field as the hub describes it (`GET /v1/actions/{key}/fields`), as a Zapier input field.
const toZapier = (spec) => {
  const field = { key: spec.key, label: spec.label, required: Boolean(spec.required) };
  if (spec.type === 'object') {
    field.dict = true;
  } else {
    field.type = TYPES[spec.type] || 'string';
    field.list = Boolean(spec.list);
  }
  if (spec.type === 'date') {
    field.helpText = 'A date, such as 2026-01-15.';
  }
  if (spec.help_text) {
    field.helpText = spec.help_text;
  }
  const dropdown = spec.dynamic && DROPDOWNS[spec.dynamic];
  if (dropdown) {
    field.dynamic = `${dropdown.trigger}.id.label`;
  } else if (spec.choices) {
    field.choices = spec.choices.map((c) => ({ value: c.id, label: c.label, sample: c.id }));
  }
  if (spec.alters_dynamic_fields) {
    field.altersDynamicFields = true;
  }
  return field;
};

// The organization's custom fields of the action's record type, read each time the editor shows the step.
const customFields = (action) => async (z, bundle) => {
  const response = await z.request({ url: url(`/v1/actions/${encodeURIComponent(action)}/fields`) });
  return response.data.filter((spec) => spec.custom).map(toZapier);
};

// The input as the hub takes it: empty values left out, `a.b` keys nested (`custom_fields.region`).
const body = (inputData) => {
  const out = {};
  for (const [key, value] of Object.entries(inputData || {})) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    const [head, ...rest] = key.split('.');
    if (rest.length) {
      out[head] = { ...(out[head] || {}), [rest.join('.')]: value };
    } else {
      out[key] = value;
    }
  }
  return out;
};

module.exports = { body, customFields, toZapier };
"""

ACTIONS = r"""'use strict';
const { url } = require('./http');
const { body, customFields, toZapier } = require('./fields');

// A catalog action: a create answers one object, a search a list (Zapier takes the first; empty = none).
const hubAction = ({ key, action, noun, label, description, fields, custom, sample, outputFields }) => ({
  key,
  noun,
  display: { label, description },
  operation: {
    inputFields: [...fields.map(toZapier), ...(custom ? [customFields(action)] : [])],
    perform: async (z, bundle) => {
      const response = await z.request({
        url: url(`/v1/actions/${encodeURIComponent(action)}`),
        method: 'POST',
        body: body(bundle.inputData),
      });
      return response.data.data;
    },
    sample,
    outputFields,
  },
});

module.exports = { hubAction };
"""

CHOICES_LIB = r"""'use strict';
const { url } = require('./http');

// A hidden trigger feeding dynamic dropdowns from a choices endpoint of the hub (`[{id, label}]`); `params`
// names the query parameters filled from other fields of the step, e.g. the stages of the chosen pipeline.
const choicesTrigger = ({ key, noun, path, params }) => ({
  key,
  noun,
  display: {
    label: `${noun} choices`,
    description: `Lists the ${noun.toLowerCase()} to pick from.`,
    hidden: true,
  },
  operation: {
    perform: async (z, bundle) => {
      const query = {};
      for (const [name, field] of Object.entries(params)) {
        if (bundle.inputData[field]) {
          query[name] = bundle.inputData[field];
        }
      }
      const response = await z.request({ url: url(path), params: query });
      return response.data;
    },
    sample: { id: 'example', label: 'Example' },
  },
});

module.exports = { choicesTrigger };
"""

LIB = {"lib/http.js": HTTP, "lib/signature.js": SIGNATURE, "lib/hooks.js": HOOKS, "lib/fields.js": FIELDS,
       "lib/actions.js": ACTIONS, "lib/choices.js": CHOICES_LIB}

CONFIG = """'use strict';
// Generated by `hub zapier export`: the hub this app talks to, and its dropdowns' hidden triggers.
module.exports = {{ BASE_URL: {base_url}, DROPDOWNS: {dropdowns} }};
"""

HOOK = """'use strict';
// Generated by `hub zapier export` from the catalog's `{event}` trigger.
const {{ hookTrigger }} = require('../lib/hooks');

module.exports = hookTrigger({spec});
"""

ACTION = """'use strict';
// Generated by `hub zapier export` from the catalog's `{action}` action.
const {{ hubAction }} = require('../lib/actions');

module.exports = hubAction({spec});
"""

CHOICES = """'use strict';
// Generated by `hub zapier export` for the dropdowns filled from `{path}`.
const {{ choicesTrigger }} = require('../lib/choices');

module.exports = choicesTrigger({spec});
"""

INDEX = """'use strict';
// Generated by `hub zapier export` from the hub's catalog: regenerate it rather than edit it.
const {{ version: platformVersion }} = require('zapier-platform-core');
const {{ version }} = require('./package.json');
const authentication = require('./authentication');
const {{ addBearer, explainProblems }} = require('./lib/http');

const byKey = (items) => Object.fromEntries(items.map((item) => [item.key, item]));

module.exports = {{
  version,
  platformVersion,
  authentication,
  beforeRequest: [addBearer],
  afterResponse: [explainProblems],
  triggers: byKey([
{triggers}
  ]),
  creates: byKey([
{creates}
  ]),
  searches: byKey([
{searches}
  ]),
  searchOrCreates: byKey({search_or_creates}),
}};
"""
