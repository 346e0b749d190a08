// Loaded into the s3rver test peer (NODE_OPTIONS=--require, see s3.py).
//
// s3rver 3.7 removes a key's directory when the last object in it is
// deleted. A PUT into that directory at the same moment then opens its file
// after the directory went, and the write stream's ENOENT has no error
// handler, which ends the whole process. The platform deletes and writes
// blocks concurrently, so the race is real under load. Empty directories are
// harmless to s3rver, so the peer simply never removes them.
'use strict';
const fse = require('fs-extra'); // the instance s3rver uses (NODE_PATH)

fse.rmdir = function rmdirKept(...args) {
  const callback = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : null;
  if (callback) {
    process.nextTick(callback, null);
    return undefined;
  }
  return Promise.resolve();
};
