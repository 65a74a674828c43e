/**
 * Preloaded into a real web process (NODE_OPTIONS="--require <this file>", see
 * ./requestCommands.ts): counts the database commands each request sends, by method and
 * path, so that a wave's logins can be priced without a server of our own making. Each
 * request's handling runs in an AsyncLocalStorage context opened when Node starts it
 * (diagnostics channel http.server.request.start); every command the driver starts
 * (command monitoring, on in every process) counts for the request whose context it runs in.
 * SIGUSR2 prints the counts as one JSON line on stdout: {"requestCommands": {...}}.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const diagnostics = require('node:diagnostics_channel');
const mongoose = require('mongoose');

const context = new AsyncLocalStorage();
const counts = {};
let outside = 0;

diagnostics.subscribe('http.server.request.start', ({ request }) => {
  const key = `${request.method} ${request.url.split('?')[0]}`;
  counts[key] ??= { requests: 0, commands: 0 };
  counts[key].requests += 1;
  context.enterWith(counts[key]);
});

mongoose.connection.once('connected', () => {
  mongoose.connection.getClient().on('commandStarted', () => {
    const entry = context.getStore();
    if (entry) entry.commands += 1;
    else outside += 1;
  });
});

process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ requestCommands: counts, outside })}\n`);
});
