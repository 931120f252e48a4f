import { ReactNode } from 'react';
import { Box, Chip, makeStyles, Tooltip, Typography } from '@material-ui/core';
import { WarningPanel } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { parseEntityRef } from '@backstage/catalog-model';
import { StacksApiError } from '../../api/StacksClient';

const useStyles = makeStyles(theme => ({
  chip: { fontWeight: 600, margin: 0 },
  good: { backgroundColor: theme.palette.success?.main ?? '#2e7d32', color: '#fff' },
  info: { backgroundColor: theme.palette.info?.main ?? '#0277bd', color: '#fff' },
  warn: { backgroundColor: theme.palette.warning?.main ?? '#ed6c02', color: '#fff' },
  bad: { backgroundColor: theme.palette.error.main, color: '#fff' },
  neutral: {},
  label: {
    color: theme.palette.text.secondary,
    textTransform: 'uppercase',
    fontSize: '0.7rem',
    fontWeight: 'bold',
    letterSpacing: 0.5,
  },
  value: { wordBreak: 'break-word' },
}));

type Tone = 'good' | 'info' | 'warn' | 'bad' | 'neutral';

const tones: Record<string, Tone> = {
  // plan statuses and fleet groups
  'up-to-date': 'good',
  ready: 'info',
  conflicts: 'warn',
  blocked: 'bad',
  'blocked-by-owner': 'bad',
  'blocked-by-platform': 'bad',
  failed: 'bad',
  // merges
  clean: 'good',
  conflict: 'warn',
  // who acts
  owner: 'warn',
  platform: 'info',
};

/** What a status, fleet group, merge or origin means, for tooltips. */
export const DESCRIPTIONS: Record<string, string> = {
  'up-to-date': 'The stack is on the target version already.',
  ready: 'Every file merges cleanly and no guardrail fails.',
  conflicts: 'Some files conflict; the owner resolves them on the upgrade branch.',
  blocked: 'A guardrail or a parameter constraint fails after the upgrade.',
  'blocked-by-owner': "Blocked by the owner's own values or edits: the owner acts.",
  'blocked-by-platform': "Blocked by the template's own changes: the platform team acts.",
  failed: 'The stack could not be planned (its repository could not be read, say).',
  'owner-value': 'The owner gave this value.',
  'owner-edit': 'The owner edited this value in the stack repository.',
  'template-default': "The template's default, the same in both versions.",
  'template-change': 'The target version changed it: a new or changed default, a new parameter, or a migration.',
  owner: "The stack's owner acts.",
  platform: "The template's owner (the platform team) acts.",
};

/** A coloured chip for a plan status, fleet group, merge result or who acts. */
export const StatusChip = ({ status, label, testId }: { status: string; label?: string; testId?: string }) => {
  const classes = useStyles();
  const tone = tones[status] ?? 'neutral';
  const chip = (
    <Chip
      size="small"
      label={label ?? status}
      className={`${classes.chip} ${classes[tone]}`}
      data-testid={testId}
      data-status={status}
    />
  );
  return DESCRIPTIONS[status] ? <Tooltip title={DESCRIPTIONS[status]}>{chip}</Tooltip> : chip;
};

/** Where a value comes from: owner-value, owner-edit, template-default, template-change. */
export const OriginChip = ({ origin }: { origin: string }) => {
  const classes = useStyles();
  const byOwner = origin.startsWith('owner');
  const chip = (
    <Chip
      size="small"
      variant="outlined"
      color={byOwner ? 'secondary' : 'primary'}
      label={origin}
      className={classes.chip}
      data-testid="origin"
      data-origin={origin}
    />
  );
  return DESCRIPTIONS[origin] ? <Tooltip title={DESCRIPTIONS[origin]}>{chip}</Tooltip> : chip;
};

/** A label above a value, as in Backstage's About card. */
export const Field = ({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) => {
  const classes = useStyles();
  return (
    <Box mb={2} data-testid={testId}>
      <Typography variant="h2" className={classes.label}>
        {label}
      </Typography>
      <Typography variant="body2" component="div" className={classes.value} data-testid="field-value">
        {children ?? '—'}
      </Typography>
    </Box>
  );
};

/** A link to an entity ref such as group:default/team-a; plain text when it does not parse. */
export const RefLink = ({ entityRef, defaultKind }: { entityRef?: string; defaultKind?: string }) => {
  if (!entityRef) return <>—</>;
  try {
    const ref = parseEntityRef(entityRef, { defaultKind: defaultKind ?? 'group', defaultNamespace: 'default' });
    return <EntityRefLink entityRef={ref} />;
  } catch {
    return <>{entityRef}</>;
  }
};

/** A value of any JSON type, shown compactly. */
export function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string') return JSON.stringify(v);
  return JSON.stringify(v);
}

/** Shows an error's message, as the server wrote it, with its name and status. */
export const ErrorPanel = ({ title, error, children }: { title: string; error: Error; children?: ReactNode }) => {
  const status = error instanceof StacksApiError ? `${error.errorName} (${error.statusCode})` : error.name;
  return (
    <WarningPanel severity="error" title={title} defaultExpanded>
      <Typography variant="body2" data-testid="stacks-error" data-status={error instanceof StacksApiError ? error.statusCode : ''}>
        {error.message}
      </Typography>
      <Typography variant="caption" color="textSecondary">
        {status}
      </Typography>
      {children}
    </WarningPanel>
  );
};

/** A short form of a digest: sha256:0123456789ab. */
export function shortDigest(d?: string): string {
  if (!d) return '';
  const [algo, hex] = d.includes(':') ? d.split(':', 2) : ['', d];
  return `${algo ? `${algo}:` : ''}${hex.slice(0, 12)}`;
}

/** A timestamp in the reader's locale. */
export function when(at?: string): string {
  if (!at) return '';
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString();
}
