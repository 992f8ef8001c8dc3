import { useTranslation } from 'react-i18next';
import { currentLanguage, setLanguage } from '../i18n/index.ts';

/** One button that flips zh-CN ⇄ en; the choice is remembered in localStorage. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const next = i18n.language === 'en' ? 'zh-CN' : 'en';
  return (
    <button
      type="button"
      className="btn btn--ghost lang-switch"
      aria-label={t('lang.label')}
      onClick={() => void setLanguage(currentLanguage() === 'en' ? 'zh-CN' : 'en')}
    >
      <span aria-hidden="true" className="lang-switch__icon">
        文/A
      </span>{' '}
      <span lang={next}>{t('lang.switchTo')}</span>
    </button>
  );
}
