/** Vite's `?raw` imports (the file's text). tsconfig.renderer.json lists only .ts/.tsx files, so JSON is imported as text. */
declare module '*?raw' {
  const text: string;
  export default text;
}
