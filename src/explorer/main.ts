import { SCENARIOS } from '../browser/index.js';
document.body.textContent = SCENARIOS.map((s) => s.name).join(', ');
