#!/usr/bin/env node
import { runCli } from './program.js';

// The AWS SDK (for DynamoDB sources) warns on Node 20 that its 2027 releases will need Node 22; the CLI's
// output is no place for it. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is the SDK's documented switch; set it to false to see it.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
