import type { Dashboard } from '../../api/types.ts';

export type Insight = {
  tone: 'warn' | 'good' | 'info';
  title: string;
  text: string;
  /** The funnel stage where leads are lost most, to mark in the funnel. */
  stage?: Dashboard['funnel'][number]['stage'];
};

/** Fewer leads than this at a step say nothing about it. */
const MIN_BASE = 3;
/** A step that keeps less than this share of its leads is where the system breaks down. */
const WEAK = 0.6;

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : x > 1 ? 'over 100%' : `${Math.round(x * 100)}%`;

const ADVICE = {
  contacted: {
    title: (q: string) => `${q} leads are never contacted: follow up faster`,
    text: (p: string) =>
      `Only ${p} of referred leads were contacted. Call or write to every new lead within a day, while their friend's recommendation is fresh.`,
  },
  appointments: {
    title: (q: string) => `${q} contacted leads never book: offer a time on the first call`,
    text: (p: string) =>
      `Only ${p} of contacted leads booked an appointment. Offer two concrete times and remind them of their friend's gift.`,
  },
  won: {
    title: (q: string) => `${q} appointments do not become customers: look at the first visit`,
    text: (p: string) =>
      `Only ${p} of appointments became customers. Look at what happens at the first visit, and whether the friend's offer is used.`,
  },
} as const;

/** Where the referral practice breaks down, in a sentence an owner can act on. */
export function insight(d: Dashboard): Insight {
  const count = Object.fromEntries(d.funnel.map((s) => [s.stage, s.count])) as Record<
    Dashboard['funnel'][number]['stage'],
    number
  >;
  const overdue =
    d.overdue > 0 ? ` ${d.overdue} follow-up${d.overdue === 1 ? ' is' : 's are'} overdue right now.` : '';
  if (count.referred === 0) {
    return {
      tone: 'info',
      title: 'No referred leads in this period',
      text:
        count.views > 0
          ? `Referral links were opened ${count.views} times, but nobody became a lead. Make the friend's offer clear on the landing page, and ask every happy customer to share their link.`
          : 'Ask happy customers to refer a friend at the end of a visit, and hand out cards with their link.',
    };
  }
  // Link views only lead to link referrals: compare those two, not every channel.
  const linkReferred = d.byChannel.find((c) => c.channel === 'link')?.referred ?? 0;
  if (count.views >= 20 && linkReferred / count.views < 0.05) {
    return {
      tone: 'warn',
      stage: 'referred',
      title: 'Many open a referral link but few become leads',
      text: `${count.views} link views brought ${linkReferred} lead${linkReferred === 1 ? '' : 's'}. Make the friend's offer and the form on the landing page clearer.${overdue}`,
    };
  }
  const steps = (['contacted', 'appointments', 'won'] as const)
    .map((stage, i) => {
      const base = count[(['referred', 'contacted', 'appointments'] as const)[i]!];
      return { stage, base, rate: base ? count[stage] / base : null };
    })
    .filter(
      (s): s is { stage: 'contacted' | 'appointments' | 'won'; base: number; rate: number } =>
        s.rate !== null && s.base >= MIN_BASE,
    );
  const close = count.won / count.referred;
  if (steps.length === 0) {
    return {
      tone: 'info',
      title: 'Too few referrals yet to tell where they get stuck',
      text: `${count.referred} referred and ${count.won} won in this period. The more customers you ask, the clearer this gets.${overdue}`,
    };
  }
  const weakest = steps.reduce((a, b) => (b.rate < a.rate ? b : a));
  if (weakest.rate < WEAK) {
    const advice = ADVICE[weakest.stage];
    return {
      tone: 'warn',
      stage: weakest.stage,
      title: advice.title(weakest.rate < 0.5 ? 'Most' : 'Many'),
      text: advice.text(pct(weakest.rate)) + overdue,
    };
  }
  return {
    tone: 'good',
    title: 'You close most referrals: now get more of them',
    text: `${pct(close)} of referred leads became customers. Ask more customers to refer at the moment they are happiest, and remind your partners.${overdue}`,
  };
}
