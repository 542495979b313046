/**
 * Prints the backend a request resolves to on this machine (EXECUTOR=slurm runs it on a compute node
 * with `srun`, so `BACKEND=auto` means what the nodes have, not what the submitting host has).
 *
 * Usage: node --import tsx engine/plan/resolve-backend.ts <auto|wasm|cpu|tensorflow|webgpu>
 */
import { resolveBackendHere } from '../commands/session.ts';
import { parseBackendRequest } from './backend.ts';

process.stdout.write(`${await resolveBackendHere(process.cwd(), parseBackendRequest(process.argv[2] ?? 'auto'))}\n`);
process.exit(0);
