#!/usr/bin/env node
// Launcher for `npx kube-lease`: runs the TypeScript CLI through tsx (a dev dependency of this repo).
import { register } from 'tsx/esm/api';

register();
await import('./kube-lease.ts');
