import { readFileSync } from 'node:fs';
import { allEventTypes } from '../src/events/registry.ts';
const f = JSON.parse(readFileSync('test/fixtures/events.json','utf8')).events;
for (const t of allEventTypes()) { const d = f.find((e:any)=>e.name===t.name); if (!d || d.group !== t.group) console.log(t.name, t.group, d?.group); }
