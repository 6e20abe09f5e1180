// The app-level context: every component reaches the lab (and through it the LabApi) here,
// never Electron or the WebSocket directly.
import { createContext } from 'svelte';
import type { Lab } from './state/lab.svelte';

export const [getLab, setLab] = createContext<Lab>();
