import { describe, expect, it } from 'vitest';
import { configWarnings, ConfigError, defaultDataDir, parseServerEnv } from './env.server';

describe('server configuration', () => {
  it('applies defaults and treats empty values as unset', () => {
    const env = parseServerEnv({ OPENROUTER_API_KEY: '', PORT: '' });
    expect(env.PORT).toBe(5173);
    expect(env.OPENROUTER_BASE_URL).toBe('https://openrouter.ai/api/v1');
    expect(env.OPENROUTER_API_KEY).toBeUndefined();
    expect(env.usesOpenRouter).toBe(true);
    expect(configWarnings(env)[0]).toMatch(/OPENROUTER_API_KEY is not set/);
  });

  it('accepts a local OpenAI-compatible server without a key and without a warning', () => {
    const env = parseServerEnv({ OPENROUTER_BASE_URL: 'http://localhost:11434/v1/' });
    expect(env.OPENROUTER_BASE_URL).toBe('http://localhost:11434/v1');
    expect(env.usesOpenRouter).toBe(false);
    expect(configWarnings(env)).toEqual([]);
  });

  it('keeps sandbox data in the per-user data directory, outside the app source tree, unless told otherwise', () => {
    const repo = new URL('../..', import.meta.url).pathname;
    expect(defaultDataDir({ HOME: '/home/ada' }, false)).toBe('/home/ada/.local/share/appforge');
    // Root's home is closed to the unprivileged sandbox user: a service's data dir instead.
    expect(defaultDataDir({ HOME: '/root' }, true)).toBe('/var/lib/appforge');
    expect(parseServerEnv({ HOME: '/home/ada', XDG_DATA_HOME: '/data/xdg' }).SANDBOX_DATA_DIR).toBe('/data/xdg/appforge');
    expect(parseServerEnv({}).SANDBOX_DATA_DIR.startsWith(repo)).toBe(false);
    // A relative setting is made absolute, so every part of the server agrees on it.
    expect(parseServerEnv({ SANDBOX_DATA_DIR: 'rel/dir' }).SANDBOX_DATA_DIR).toBe(`${process.cwd()}/rel/dir`);
  });

  it('lists every invalid variable in one readable error', () => {
    expect(() => parseServerEnv({ PORT: '99999', LLM_STALL_TIMEOUT_S: 'soon', OPENROUTER_BASE_URL: 'x' })).toThrow(ConfigError);
    try {
      parseServerEnv({ PORT: '99999', LLM_STALL_TIMEOUT_S: 'soon', OPENROUTER_BASE_URL: 'x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/LLM_STALL_TIMEOUT_S/);
      expect(message).toMatch(/OPENROUTER_BASE_URL: must be a URL/);
    }
  });

  it('bounds slow clients by default, and refuses a header timeout longer than the request timeout', () => {
    const env = parseServerEnv({});
    expect([env.SERVER_HEADERS_TIMEOUT_S, env.SERVER_REQUEST_TIMEOUT_S, env.SERVER_KEEP_ALIVE_TIMEOUT_S]).toEqual([20, 120, 5]);
    expect([env.SERVER_MAX_REQUESTS_PER_SOCKET, env.SERVER_MAX_CONNECTIONS_PER_IP]).toEqual([1000, 256]);
    expect(() => parseServerEnv({ SERVER_HEADERS_TIMEOUT_S: '60', SERVER_REQUEST_TIMEOUT_S: '30' })).toThrow(/SERVER_HEADERS_TIMEOUT_S: 60 is longer than SERVER_REQUEST_TIMEOUT_S \(30\)/);
  });
});
