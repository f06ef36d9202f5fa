import { z } from 'zod';
import type { App, Deps } from '../http/types.ts';
import { listAdSpend, setAdSpend } from './ad-spend.ts';
import {
  AdSpend,
  AdSpendInput,
  AdSpendParams,
  AdSpendQuery,
  Dashboard,
  DashboardQuery,
} from './dashboard.schema.ts';
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
  app.get(
    '/ad-spend',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The monthly advertising spend entered for the comparison with referral customers',
        querystring: AdSpendQuery,
        response: { 200: z.array(AdSpend) },
      },
    },
    (req) => listAdSpend(db, req.actor, req.query.from, req.query.to),
  );
  app.put(
    '/ad-spend/:month',
    {
      schema: {
        tags: ['dashboard'],
        summary: "Set a month's advertising spend (0 clears it)",
        params: AdSpendParams,
        body: AdSpendInput,
        response: { 200: AdSpend },
      },
    },
    (req) => setAdSpend(db, req.actor, req.params.month, req.body),
  );
}
