import type { App, Deps } from '../http/types.ts';
import { Dashboard, DashboardQuery } from './dashboard.schema.ts';
import { getDashboard } from './dashboard.service.ts';

export async function dashboardRoutes(app: App, { db }: Deps): Promise<void> {
  app.get(
    '/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary:
          'Where the referral practice breaks down: the funnel from link views to won, revenue from referred ' +
          'customers, rewards owed and paid, the trend, and breakdowns by program, channel, source and staff',
        querystring: DashboardQuery,
        response: { 200: Dashboard },
      },
    },
    (req) => getDashboard(db, req.actor, req.query),
  );
}
