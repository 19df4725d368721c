#!/usr/bin/env node
// Validates SARIF files against a JSON Schema draft-04 document (the OASIS
// SARIF 2.1.0 schema in tests/schemas) with Ajv, formats included, so that
// "uri", "uri-reference" and "date-time" are checked as well as structure.
//
//   node validate.js SCHEMA FILE...
//
// Exits 0 when every file is valid, 1 when one is not (its errors are
// printed), 2 on a usage or read error.
'use strict';

const fs = require('fs');
const Ajv04 = require('ajv-draft-04');
const addFormats = require('ajv-formats');

function main(argv) {
  if (argv.length < 2) {
    console.error('usage: node validate.js SCHEMA FILE...');
    return 2;
  }
  let schema;
  try {
    schema = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
  } catch (e) {
    console.error(`${argv[0]}: ${e.message}`);
    return 2;
  }
  // strict mode rejects keywords the 2.1.0 schema uses as annotations.
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  let failed = 0;
  for (const file of argv.slice(1)) {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      console.error(`${file}: not JSON: ${e.message}`);
      failed++;
      continue;
    }
    if (validate(doc)) {
      console.log(`${file}: valid SARIF 2.1.0`);
    } else {
      failed++;
      for (const err of validate.errors.slice(0, 20))
        console.error(`${file}: ${err.instancePath || '/'} ${err.message} ${JSON.stringify(err.params)}`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
