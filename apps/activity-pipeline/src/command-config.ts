import { ConfigError, loadConfig, loadDotEnv, type Config } from './config';

/**
 * The settings for one of the app's commands (verify, replay-dead-letters): `.env` files, then
 * the environment. A wrong setting is printed as `<command>: <message>` and gives undefined, for
 * the command to exit 2, as the app does.
 */
export function commandConfig(command: string): Config | undefined {
  loadDotEnv();
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${command}: ${error.message}`);
    return undefined;
  }
}
