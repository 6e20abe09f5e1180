// The app's version, read once from package.json.
import packageJson from '../../package.json';

export const APP_VERSION: string = packageJson.version;
