import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../env.server';
import { daytonaCreation } from './daytona-resources.server';
import { daytonaResourceVars } from './daytona-settings.server';

const parse = (source: Record<string, string>) => z.object(daytonaResourceVars).parse(source);

describe('the size of Daytona sandboxes', () => {
  it('is read from DAYTONA_CPU, DAYTONA_MEMORY_GB and DAYTONA_DISK_GB as whole numbers', () => {
    expect(parse({ DAYTONA_CPU: '2', DAYTONA_MEMORY_GB: '4', DAYTONA_DISK_GB: '10' })).toEqual({ DAYTONA_CPU: 2, DAYTONA_MEMORY_GB: 4, DAYTONA_DISK_GB: 10 });
    expect(() => parse({ DAYTONA_CPU: '0' })).toThrow();
    expect(() => parse({ DAYTONA_MEMORY_GB: '1.5' })).toThrow();
    expect(parse({})).toEqual({});
  });

  it("keeps Daytona's default snapshot (or DAYTONA_SNAPSHOT) and its size when none is set", () => {
    expect(daytonaCreation({})).toEqual({ from: 'snapshot', snapshot: undefined });
    expect(daytonaCreation({ DAYTONA_SNAPSHOT: 'appforge-node' })).toEqual({ from: 'snapshot', snapshot: 'appforge-node' });
  });

  it('makes sized sandboxes from an image: DAYTONA_IMAGE, else Node 22 with Python and pip', () => {
    const sized = daytonaCreation({ DAYTONA_MEMORY_GB: 4 });
    expect(sized).toMatchObject({ from: 'image', resources: { memory: 4 } });
    const dockerfile = sized.from === 'image' && typeof sized.image !== 'string' ? sized.image.dockerfile : '';
    expect(dockerfile).toMatch(/^FROM node:22-bookworm/m);
    expect(dockerfile).toMatch(/python3-pip/);
    expect(daytonaCreation({ DAYTONA_CPU: 2, DAYTONA_IMAGE: 'node:20-bookworm' })).toEqual({ from: 'image', image: 'node:20-bookworm', resources: { cpu: 2, memory: undefined, disk: undefined } });
  });

  it('refuses a size together with a snapshot, with the reason Daytona would give', () => {
    expect(() => daytonaCreation({ DAYTONA_CPU: 2, DAYTONA_SNAPSHOT: 'appforge-node' })).toThrow(ConfigError);
    expect(() => daytonaCreation({ DAYTONA_CPU: 2, DAYTONA_SNAPSHOT: 'appforge-node' })).toThrow(/only for sandboxes made from an image.*Cannot specify Sandbox resources when using a snapshot.*Unset DAYTONA_SNAPSHOT/s);
  });
});
