export * from '../../src/devtools/slack-signer.js';
