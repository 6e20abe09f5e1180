// Renderer entry: pick the LabApi for this host (Electron bridge or browser-mode WebSocket)
// and mount the app with it.
import { mount } from 'svelte';
import { createBrowserClient } from './api/browser-client';
import { createElectronClient, hasElectronBridge } from './api/electron-client';
import App from './App.svelte';
import './app.css';

const api = hasElectronBridge() ? createElectronClient() : createBrowserClient();
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount NiN Lab into.');

mount(App, { target, props: { api } });
