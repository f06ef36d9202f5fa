/**
 * The trend charts, in a chunk of their own: recharts is the heaviest thing in the app, and the
 * figures and the funnel show before it arrives.
 */
import '@mantine/charts/styles.css';
import { AreaChart, BarChart } from '@mantine/charts';
import { SimpleGrid, Stack, Text } from '@mantine/core';
import type { Dashboard } from '../../api/types.ts';
import { currencyDigits, formatMoney } from '../../format.ts';

const short = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

export function periodLabel(period: string, unit: Dashboard['range']['period']) {
  const d = new Date(`${period}T00:00:00Z`);
  return unit === 'month' ? monthFmt.format(d) : short.format(d);
}

export default function TrendCharts({ data }: { data: Dashboard }) {
  const unit = data.range.period;
  const scale = 10 ** currencyDigits(data.currency);
  const rows = data.trend.map((t) => ({
    period: periodLabel(t.period, unit),
    Referred: t.referred,
    Won: t.won,
    Revenue: t.revenue / scale,
  }));
  const money = (v: number) => formatMoney(Math.round(v * scale), data.currency);
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
      <Stack gap={4}>
        <Text size="sm" fw={600} id="trend-leads">
          Referred and won, by {unit}
        </Text>
        <BarChart
          h={220}
          data={rows}
          dataKey="period"
          series={[
            { name: 'Referred', color: 'brand.3' },
            { name: 'Won', color: 'brand.8' },
          ]}
          withLegend
          legendProps={{ verticalAlign: 'bottom', height: 36 }}
          tickLine="none"
          gridAxis="x"
          yAxisProps={{ allowDecimals: false }}
          maxBarWidth={28}
          barProps={{ isAnimationActive: false }}
          aria-labelledby="trend-leads"
          role="img"
        />
      </Stack>
      <Stack gap={4}>
        <Text size="sm" fw={600} id="trend-revenue">
          Revenue from referred customers
        </Text>
        <AreaChart
          h={220}
          data={rows}
          dataKey="period"
          series={[{ name: 'Revenue', color: 'indigo.6' }]}
          curveType="monotone"
          tickLine="none"
          gridAxis="x"
          withDots={false}
          areaProps={{ isAnimationActive: false }}
          valueFormatter={money}
          yAxisProps={{ width: 72 }}
          aria-labelledby="trend-revenue"
          role="img"
        />
      </Stack>
    </SimpleGrid>
  );
}
