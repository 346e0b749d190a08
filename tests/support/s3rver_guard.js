// Loaded into the s3rver test peer (NODE_OPTIONS=--require, see s3.py).
//
// s3rver 3.7 removes a key's directory when its last object is deleted. A PUT
// into that directory at the same moment opens its file after the directory
// went, and the write stream's ENOENT has no error handler, which ends the
// whole process. The platform deletes and writes blocks concurrently, so the
// race is real under load. Recreate the directory right before the file is
// opened, and log (rather than die on) anything else left uncaught.
'use strict';
const path = require('path');
const fse = require('fs-extra'); // the instance s3rver uses (NODE_PATH)

const open = fse.createWriteStream;
fse.createWriteStream = function createWriteStream(file, ...rest) {
  try {
    fse.mkdirSync(path.dirname(String(file)), { recursive: true });
  } catch (e) {
    // the open below reports it
  }
  return open.call(this, file, ...rest);
};

process.on('uncaughtException', (err) => {
  console.error('s3rver-guard: uncaught exception:', (err && err.stack) || err);
});
