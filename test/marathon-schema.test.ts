import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import Ajv from 'ajv-draft-04';
import './helpers/exit-guard'; // fails this file if its worker outlives its tests

/**
 * Every file in marathon/ is valid against Marathon's own JSON Schemas (draft-04, never edited
 * here). They are not shipped with the project: CI has them beside it, in
 * ../shared/marathon-schema; MARATHON_SCHEMA_DIR points elsewhere. Without them this one check is
 * skipped, and the summary line counts it.
 */

const ROOT = path.join(__dirname, '..');
const MARATHON_DIR = path.join(ROOT, 'marathon');
const SCHEMA_DIR = process.env.MARATHON_SCHEMA_DIR ?? path.join(ROOT, '..', 'shared', 'marathon-schema');

type Json = Record<string, unknown>;
const readJson = (file: string): Json => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;

/**
 * A copy without `$schema`: "http://json-schema.org/schema#" means "the latest draft", which these
 * schemas are not; they are draft-04 (`id`, not `$id`) and validated as such by ajv-draft-04.
 */
function loadSchema(name: string): Json {
  const schema = readJson(path.join(SCHEMA_DIR, name));
  delete schema.$schema;
  return schema;
}

function makeValidators() {
  const appSchema = loadSchema('AppDefinition.json');
  const groupSchema = loadSchema('Group.json');
  // Group.json has an `id` URL and refers to "./AppDefinition.json" relative to it; AppDefinition.json
  // has no id of its own, so it is registered under the URL Group.json resolves that reference to.
  const appUrl = new URL('./AppDefinition.json', String(groupSchema.id)).href;
  // strict: false because Marathon's schema itself fails ajv's strict mode (our files are checked
  // fully either way): `cpus`/`mem`/`disk` directly under executorResources (outside `properties`,
  // so not checked), `items` on the object-typed healthChecks[].command (so command.value is not
  // checked: the tests below do), `additionalProperties` on scalar properties of residency,
  // `required` without `properties` in the cmd-xor-args rule, a tuple `items` without maxItems.
  const ajv = new Ajv({ allErrors: true, strict: false });
  // Only the schemas' `version` fields use it; our files have none. A plain RFC 3339 check.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  ajv.addSchema(appSchema, appUrl);
  const validateGroup = ajv.compile(groupSchema);
  const validateApp = ajv.getSchema(appUrl);
  if (!validateApp) throw new Error(`AppDefinition.json is not registered under ${appUrl}`);
  const check = (doc: unknown) => {
    const isGroup = typeof doc === 'object' && doc !== null && ('apps' in doc || 'groups' in doc);
    const validate = isGroup ? validateGroup : validateApp;
    const ok = validate(doc) as boolean;
    return {
      ok,
      schema: isGroup ? 'Group.json' : 'AppDefinition.json',
      errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n'),
      raw: validate.errors,
    };
  };
  return { check };
}

if (!fs.existsSync(path.join(SCHEMA_DIR, 'AppDefinition.json'))) {
  test.skip(
    `marathon/ against Marathon's JSON Schemas: skipped, no schema at ${SCHEMA_DIR} ` +
      `(set MARATHON_SCHEMA_DIR to a folder with AppDefinition.json and Group.json)`,
    () => undefined,
  );
} else {
  const { check } = makeValidators();
  const marathonFiles = fs
    .readdirSync(MARATHON_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const group = readJson(path.join(MARATHON_DIR, 'redis-zk.json')) as { apps: Json[] };
  /**
   * App fields newer than the schema (the last JSON Schema Marathon had, 1.7; 1.8+ validate with
   * RAML types and AppValidation, which unit/model-validation.test.ts applies per platform): `role`
   * (Marathon 1.9, which a resident app needs). Left out before the schema check, and only those.
   */
  const NEWER_THAN_SCHEMA = ['role'];
  const withoutNewer = (doc: Json): Json => {
    const strip = (a: Json) => Object.fromEntries(Object.entries(a).filter(([k]) => !NEWER_THAN_SCHEMA.includes(k)));
    return Array.isArray(doc.apps) ? { ...doc, apps: (doc.apps as Json[]).map(strip) } : strip(doc);
  };
  for (const file of marathonFiles) {
    test(`${file} is valid against Marathon's JSON Schema (but for fields newer than it: ${NEWER_THAN_SCHEMA.join(', ')})`, (t) => {
      const r = check(withoutNewer(readJson(path.join(MARATHON_DIR, file))));
      if (!r.ok) t.log(JSON.stringify(r.raw, null, 2));
      t.true(r.ok, `${file} against ${r.schema}:\n${r.errors}`);
    });
  }

  test('the validator really checks the apps inside a group (the $ref to AppDefinition.json resolves)', (t) => {
    const bad = (mutate: (a: Json) => void) => {
      const copy = JSON.parse(JSON.stringify(group)) as { apps: Json[] };
      mutate(copy.apps[0]!);
      return check(copy);
    };
    t.true(check(group).ok);
    t.false(
      bad((a) => {
        a.constraints = [['hostname', 'UNIQUELY']];
      }).ok,
      'unknown constraint operator accepted',
    );
    t.false(
      bad((a) => {
        a.notAField = true;
      }).ok,
      'unknown app field accepted',
    );
    t.false(
      bad((a) => {
        a.upgradeStrategy = { minimumHealthCapacity: 1.5 };
      }).ok,
      'minimumHealthCapacity > 1 accepted',
    );
    t.false(check({ id: '/x', cmd: 'a', args: ['b'] }).ok, 'cmd and args together accepted');
    t.true(check({ id: '/x', cmd: 'a' }).ok);
  });
}
