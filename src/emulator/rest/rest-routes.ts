// Placeholder replaced by the REST layer (rest/).
import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.ts'

export async function registerRestRoutes(_app: FastifyInstance, _ctx: EmulatorContext): Promise<void> {}
