// Every user-visible string of the SPA lives here (zh-CN is the default and,
// for now, only locale). Keys are referenced from components via `t()` and
// from route meta (`meta.title`).
export default {
  app: {
    title: '清理拖欠企业账款工作平台',
  },
  menu: {
    dashboard: '首页',
    ledger: '台账',
    complaint: '投诉',
    notify: '通知',
    report: '报表',
    system: '系统管理',
  },
  placeholder: {
    status: '建设中',
    ledger: '登记和跟踪机关、事业单位及大型企业拖欠中小企业账款的台账，支持导入、核对与销号。',
    complaint: '受理中小企业关于账款拖欠的投诉，分办、督办并反馈办理结果。',
    notify: '向相关单位和企业推送催办、督办及办理进度通知。',
    report: '按地区、行业和责任单位统计拖欠及清偿情况，生成报表。',
    system: '管理用户、角色权限、组织机构及系统参数。',
  },
  dashboard: {
    servicesTitle: '服务运行状态',
    refresh: '刷新',
    status: {
      pending: '检测中',
      ok: '正常',
      down: '异常',
    },
    services: {
      ledger: '台账服务',
      complaint: '投诉服务',
      notify: '通知服务',
    },
  },
  notFound: {
    title: '页面不存在',
    back: '返回首页',
  },
}
