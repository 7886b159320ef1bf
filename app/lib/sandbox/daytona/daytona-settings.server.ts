import { z } from 'zod';

/**
 * The size of new Daytona sandboxes, as environment variables (for env.server.ts's schema; this
 * module imports nothing of the server or the SDK). Daytona's default is 1 vCPU, 1 GiB of memory
 * and 3 GiB of disk, where real installs and dev servers get killed (exit 137). Daytona takes a
 * size only for sandboxes made from an image: with a snapshot the sandbox has the snapshot's size,
 * and a size in the request is refused with 400 "Cannot specify Sandbox resources when using a
 * snapshot" (daytonaio/daytona apps/api/src/sandbox/controllers/sandbox.controller.ts).
 */
export const daytonaResourceVars = {
  DAYTONA_CPU: z.coerce.number().int().min(1).max(64).optional(),
  DAYTONA_MEMORY_GB: z.coerce.number().int().min(1).max(512).optional(),
  DAYTONA_DISK_GB: z.coerce.number().int().min(1).max(2048).optional(),
  /** The image sized sandboxes are made from (default: Node 22 on Debian 12, with Python's pip). */
  DAYTONA_IMAGE: z.string().trim().min(1).optional(),
};

export type DaytonaResourceEnv = z.infer<z.ZodObject<typeof daytonaResourceVars>> & { DAYTONA_SNAPSHOT?: string };

/** Why these settings cannot go together (a size with a snapshot), as a line of the configuration error; undefined when they can. */
export function daytonaSizeProblem(env: DaytonaResourceEnv): string | undefined {
  const sized = env.DAYTONA_CPU !== undefined || env.DAYTONA_MEMORY_GB !== undefined || env.DAYTONA_DISK_GB !== undefined;
  if (!sized || !env.DAYTONA_SNAPSHOT) return undefined;
  return 'DAYTONA_CPU, DAYTONA_MEMORY_GB, DAYTONA_DISK_GB: Daytona takes a sandbox size only for sandboxes made from an image, and refuses it with a snapshot ("Cannot specify Sandbox resources when using a snapshot"). Unset DAYTONA_SNAPSHOT (sandboxes are then made from DAYTONA_IMAGE), or unset the sizes (they then have the snapshot\'s).';
}
