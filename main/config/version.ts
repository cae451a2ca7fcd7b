/** The app's version, as the terminal (TLP/1 `hello`), the About view and the logs see it. Kept equal to package.json by a test. */
export const APP_VERSION = '0.1.0';
