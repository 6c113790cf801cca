// One form's submit, for every dialog (and inline form) that sends something to the server:
// check the form, send once (a second click while it runs does nothing, the button spins), toast
// the success, close the dialog. A refusal (problem+json) puts each field error under the field it
// names and toasts the title (useProblemForm); a 412 (someone saved first) goes to `onStale`.
//
//   const visible = defineModel<boolean>({ required: true })
//   const formRef = ref<FormInstance>()
//   const model = reactive({ name: '' })
//   const form = useSubmitForm({
//     fields: ['name'] as const,                      // what the server's errors[].field may name
//     formRef,
//     visible,                                        // omitted: the form keeps its own (`form.open()`)
//     onOpen: () => Object.assign(model, { name: '' }),
//   })
//   const submit = () =>
//     form.submit(async () => {
//       emit('saved', await createUnit({ name: model.name.trim() }))
//       return t('org.created')                       // the success toast; nothing: no toast
//     })
//
//   <FormDialog v-model="visible" :title="…" :saving="form.saving" @submit="submit">
//     <el-form ref="formRef" :model="model" :rules="rules" @submit.prevent="submit">
//       <el-form-item :label="…" prop="name" :error="form.errors.name">
import { reactive, ref, watch, type Ref } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError, useProblemForm } from '@/api/problems'

/** An el-form, or a component that wraps one (ItemFormFields). */
export interface Validatable {
  validate(): Promise<unknown>
  clearValidate?(): void
}

/** What an action returns to leave the dialog open (it has said why itself). */
export const KEEP_OPEN = Symbol('keep the dialog open')

export interface SubmitFormOptions<F extends string> {
  /** The form's fields the server may name in `errors[].field`; bind `:error="form.errors.<f>"`. */
  fields: readonly F[]
  /** Checked before anything is sent; cleared when the dialog opens. */
  formRef?: Ref<Validatable | undefined>
  /** The dialog's v-model (closed after a success); without it the form keeps its own. */
  visible?: Ref<boolean>
  /** Fills the model each time the dialog opens (errors and validation are cleared first). */
  onOpen?: () => void
  /** 412: someone changed the object since it was read. Without it, handled like any refusal. */
  onStale?: (error: ApiError) => unknown
}

export function useSubmitForm<F extends string>(options: SubmitFormOptions<F>) {
  const problems = useProblemForm(options.fields)
  const visible = options.visible ?? ref(false)
  const saving = ref(false)

  watch(visible, (open) => {
    if (!open) return
    problems.clear()
    options.onOpen?.()
    options.formRef?.value?.clearValidate?.()
  })

  async function validate(): Promise<boolean> {
    if (!options.formRef) return true
    const form = options.formRef.value
    return form ? Boolean(await form.validate().catch(() => false)) : false
  }

  /**
   * Checks the form, runs `action` and closes the dialog; the string `action` returns is the
   * success toast, KEEP_OPEN keeps the dialog open. True when the action went through.
   */
  async function submit(action: () => Promise<string | void | typeof KEEP_OPEN>): Promise<boolean> {
    if (saving.value || !(await validate())) return false
    saving.value = true
    problems.clear()
    try {
      const outcome = await action()
      if (outcome === KEEP_OPEN) return false
      if (outcome) ElMessage.success(outcome)
      visible.value = false
      return true
    } catch (err) {
      if (err instanceof ApiError && err.status === 412 && options.onStale) await options.onStale(err)
      else await problems.handle(err)
      return false
    } finally {
      saving.value = false
    }
  }

  return reactive({
    /** Field errors from the server, by field: `:error="form.errors.name"`. */
    errors: problems.errors,
    saving,
    visible,
    open: () => (visible.value = true),
    close: () => (visible.value = false),
    clearErrors: problems.clear,
    submit,
  })
}
