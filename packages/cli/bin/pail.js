#!/usr/bin/env node
// Thin launcher committed as plain JS so npm can link the `pail` bin before the
// `prepare` build has produced dist/ (npm ci links bins first, then runs prepare).
import '../dist/src/main.js';
