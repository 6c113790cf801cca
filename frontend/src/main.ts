import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/dist/index.css'
// Element Plus date pickers take their week from dayjs' locale: weeks start on Monday (ISO weeks, 周进展).
import 'dayjs/locale/zh-cn'
import './styles/page.css'
import App from './App.vue'
import { i18n } from './locales'
import { router } from './router'
import { installGuards } from './router/guards'
import { vCan } from './directives/can'
import { useSessionStore } from './stores/session'

const app = createApp(App).use(createPinia()).use(i18n)
app.directive('can', vCan)
installGuards(router) // before the router's first navigation (app.use(router))
useSessionStore().watch()
app.use(router).mount('#app')
