import 'i18next';
import type zhCN from './zh-CN.ts';

// Translation keys are checked at compile time: t('phase.live') compiles, t('phase.typo') does not.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof zhCN };
  }
}
