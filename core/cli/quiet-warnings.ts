/**
 * Imported first by the CLI entry point, before any AWS SDK module: the SDK warns on every start that its
 * 2027 releases will need Node 22. That is for the maintainers to act on, not the person running a command.
 * The SDK's own switch turns it off; a user who sets the variable keeps their choice.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
