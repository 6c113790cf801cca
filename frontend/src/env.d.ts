/// <reference types="vite/client" />

declare module 'vue' {
  interface GlobalDirectives {
    /** v-can="'users:manage'": render only with the permission (src/directives/can.ts). */
    vCan: typeof import('./directives/can')['vCan']
  }
}

export {}
