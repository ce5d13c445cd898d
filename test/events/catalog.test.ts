import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventTypeNames, eventTypes, findEventType } from '../../src/events/catalog.ts';
import { fixture, openLoyaltyFixtureEvents } from './fixture.ts';

describe('event catalog', () => {
  it('defines exactly the 43 events of events.json, each once, with the same family and group', () => {
    expect(eventTypes).toHaveLength(43);
    expect(new Set(eventTypes.map((type) => type.name)).size).toBe(eventTypes.length);
    const ours = eventTypes.map((type) => [type.name, type.family, type.group]).sort();
    const theirs = fixture.events.map((event) => [event.name, event.family, event.group]).sort();
    expect(ours).toEqual(theirs);
  });

  it('counts 19 Open Loyalty and 24 Brevo events', () => {
    expect(eventTypes.filter((type) => type.family === 'openloyalty')).toHaveLength(19);
    expect(eventTypes.filter((type) => type.family === 'brevo')).toHaveLength(24);
  });

  it('lists the names and finds every event by name', () => {
    expect([...eventTypeNames].sort()).toEqual(fixture.events.map((event) => event.name).sort());
    for (const name of eventTypeNames) expect(findEventType(name)?.name).toBe(name);
    expect(findEventType('balance_value_updatedd')).toBeUndefined();
    expect(findEventType('customerregistered')).toBeUndefined();
  });

  it('carries the Open Loyalty trigger lists, also inside the description', () => {
    for (const documented of openLoyaltyFixtureEvents) {
      const type = findEventType(documented.name)!;
      expect(type.triggers, documented.name).toEqual(documented.triggers);
      for (const trigger of documented.triggers ?? []) expect(type.description).toContain(`- ${trigger}`);
    }
  });

  it('describes when every event fires', () => {
    for (const type of eventTypes) expect(type.description.length, type.name).toBeGreaterThan(20);
  });

  it('has Brevo schemas as flat objects and Open Loyalty schemas as {type, timestamp, data}', () => {
    for (const type of eventTypes) {
      const properties = Object.keys(type.schema.properties);
      if (type.family === 'openloyalty') expect(properties, type.name).toEqual(['type', 'timestamp', 'data']);
      else expect(properties, type.name).toContain('event_name');
      expect((type.schema as { additionalProperties?: unknown }).additionalProperties, type.name).toBe(false);
    }
  });

  it('never reads the fixtures or the shared folder at run time', () => {
    const root = new URL('../../src/events/', import.meta.url).pathname;
    const files = (function list(dir: string): string[] {
      return readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? list(path) : [path];
      });
    })(root);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/fixtures|events\.json|\.\.\/shared|readFileSync|node:fs/);
    }
  });
});
