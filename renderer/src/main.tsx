import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initialLanguage, setupI18n } from './i18n';
import { useSettings } from './stores/settings';
import { App } from './App';
import './styles.css';

const language = initialLanguage();
setupI18n(language);
useSettings.getState().setLanguage(language);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
