import { Image } from '@daytonaio/sdk';
import { ConfigError } from '../../env.server';
import { daytonaSizeProblem, type DaytonaResourceEnv } from './daytona-settings.server';

export interface Resources {
  cpu?: number;
  memory?: number;
  disk?: number;
}

/** How new sandboxes are made: from a snapshot (Daytona's default one, or DAYTONA_SNAPSHOT) at its size, or from an image at a size of ours. */
export type DaytonaCreation = { from: 'snapshot'; snapshot?: string } | { from: 'image'; image: string | Image; resources: Resources };

/**
 * Node and npm for JavaScript projects, Python with pip for Python ones (Debian's Python refuses
 * system-wide installs unless told otherwise), git and a compiler for native addons. Daytona builds
 * it once and reuses the build for every sandbox with the same Dockerfile.
 */
export function defaultImage(): Image {
  return Image.base('node:22-bookworm')
    .runCommands('apt-get update && apt-get install -y --no-install-recommends python3-pip python3-venv && rm -rf /var/lib/apt/lists/*', 'ln -sf /usr/bin/python3 /usr/local/bin/python && ln -sf /usr/bin/pip3 /usr/local/bin/pip')
    .env({ PIP_BREAK_SYSTEM_PACKAGES: '1' });
}

/** The creation mode the configuration asks for; a size together with a snapshot is refused with the reason. */
export function daytonaCreation(env: DaytonaResourceEnv): DaytonaCreation {
  const problem = daytonaSizeProblem(env);
  if (problem) throw new ConfigError(`Invalid configuration (see .env.example):\n  - ${problem}`);
  const resources: Resources = { cpu: env.DAYTONA_CPU, memory: env.DAYTONA_MEMORY_GB, disk: env.DAYTONA_DISK_GB };
  if (Object.values(resources).every((value) => value === undefined)) return { from: 'snapshot', snapshot: env.DAYTONA_SNAPSHOT };
  return { from: 'image', image: env.DAYTONA_IMAGE ?? defaultImage(), resources };
}
