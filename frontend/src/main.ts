import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/dist/index.css'
import App from './App.vue'
import { i18n } from './locales'
import { router } from './router'

createApp(App).use(createPinia()).use(router).use(i18n).mount('#app')
