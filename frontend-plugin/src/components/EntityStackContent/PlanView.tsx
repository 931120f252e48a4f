import { Fragment } from 'react';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Chip,
  makeStyles,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { Blocker, FileChange, UpgradePlan } from '../../api/types';
import { DESCRIPTIONS, OriginChip, RefLink, shortDigest, show, StatusChip } from '../common/common';

const useStyles = makeStyles(theme => ({
  diff: {
    margin: 0,
    width: '100%',
    overflowX: 'auto',
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    lineHeight: 1.45,
  },
  add: { backgroundColor: theme.palette.type === 'dark' ? '#1b3a24' : '#e6ffec', display: 'block' },
  del: { backgroundColor: theme.palette.type === 'dark' ? '#4a1f24' : '#ffebe9', display: 'block' },
  hunk: { color: theme.palette.info?.main ?? '#0277bd', display: 'block' },
  marker: { backgroundColor: theme.palette.type === 'dark' ? '#4d3b00' : '#fff5b1', display: 'block' },
  line: { display: 'block' },
  blocker: { padding: theme.spacing(2), marginBottom: theme.spacing(2), borderLeft: `4px solid ${theme.palette.error.main}` },
  summary: { display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap', width: '100%' },
  path: { fontFamily: 'monospace', fontWeight: 600 },
}));

/** One upgrade plan: status, blockers with blame, value changes and files. */
export const PlanView = ({ plan }: { plan: UpgradePlan }) => {
  const changed = plan.files.filter(f => f.change !== 'unchanged');
  const conflicts = plan.files.reduce((n, f) => n + (f.conflicts ?? 0), 0);
  return (
    <Box data-testid="plan" data-status={plan.status}>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 12 }} mb={1}>
        <Typography variant="h6" component="span">
          Plan
        </Typography>
        <StatusChip status={plan.status} testId="plan-status" />
        {plan.blockedBy && (
          <StatusChip status={plan.blockedBy} label={`blocked by ${plan.blockedBy}`} testId="plan-blocked-by" />
        )}
        <Typography variant="body2" component="span" data-testid="plan-versions">
          {plan.template} {plan.from} → {plan.to}
        </Typography>
        <Typography variant="caption" color="textSecondary" title={plan.digest}>
          plan {shortDigest(plan.digest)}
        </Typography>
      </Box>
      <Typography variant="body2" paragraph data-testid="plan-summary">
        {summary(plan, changed.length, conflicts)}
      </Typography>

      {plan.blockers.length > 0 && (
        <Box mb={3} data-testid="plan-blockers">
          <Typography variant="subtitle1" gutterBottom>
            Blockers ({plan.blockers.length})
          </Typography>
          {plan.blockers.map((b, i) => (
            <BlockerView key={`${b.guardrail}-${i}`} blocker={b} />
          ))}
        </Box>
      )}

      <ValuesView plan={plan} />

      <Box mb={1}>
        <Typography variant="subtitle1" gutterBottom>
          Files ({changed.length} changed of {plan.files.length})
        </Typography>
        <Box data-testid="plan-files">
          {plan.files.map(f => (
            <FileView key={f.path} file={f} />
          ))}
        </Box>
      </Box>
    </Box>
  );
};

function summary(plan: UpgradePlan, changed: number, conflicts: number): string {
  switch (plan.status) {
    case 'up-to-date':
      return `The stack is on ${plan.to} already; there is nothing to upgrade.`;
    case 'ready':
      return `${changed} file(s) change and every one merges cleanly with the repository; no guardrail fails. Ready to upgrade.`;
    case 'conflicts':
      return `${conflicts} conflicting hunk(s): the upgrade branch will carry conflict markers for the owner to resolve before merging.`;
    case 'blocked':
      return plan.blockedBy === 'platform'
        ? 'The upgrade is blocked by the template itself: the platform team has to fix it (see whom to contact below).'
        : "The upgrade is blocked by the stack's own values or edits: the owner has to change them first (see below).";
    default:
      return DESCRIPTIONS[plan.status] ?? '';
  }
}

const BlockerView = ({ blocker }: { blocker: Blocker }) => {
  const classes = useStyles();
  return (
    <Paper variant="outlined" className={classes.blocker} data-testid="plan-blocker" data-guardrail={blocker.guardrail}>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }} mb={1}>
        <Typography variant="subtitle2" component="span">
          {blocker.guardrail}
        </Typography>
        <StatusChip status={blocker.responsible} label={`responsible: ${blocker.responsible}`} testId="blocker-responsible" />
        <Chip size="small" variant="outlined" label={`fails on ${blocker.on}`} />
      </Box>
      <Typography variant="body2" gutterBottom data-testid="blocker-message">
        {blocker.message}
      </Typography>
      <Typography variant="body2" gutterBottom data-testid="blocker-contact">
        Contact: <RefLink entityRef={blocker.contact} />
      </Typography>
      {blocker.fields.length > 0 && (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Field</TableCell>
              <TableCell>Value</TableCell>
              <TableCell>Origin</TableCell>
              <TableCell>Detail</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {blocker.fields.map(f => (
              <TableRow key={f.field} data-testid="blocker-field" data-field={f.field}>
                <TableCell>
                  <code>{f.field}</code>
                </TableCell>
                <TableCell>
                  <code>{show(f.value)}</code>
                </TableCell>
                <TableCell>
                  <OriginChip origin={f.origin} />
                </TableCell>
                <TableCell>
                  {f.detail}
                  {f.file ? (
                    <>
                      {' '}
                      (in <code>{f.file}</code>)
                    </>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Paper>
  );
};

const ValuesView = ({ plan }: { plan: UpgradePlan }) => {
  const { changes = [], migrations = [], dropped = [] } = plan.values ?? {};
  if (!changes.length && !migrations.length && !dropped.length) return null;
  return (
    <Box mb={3} data-testid="plan-values">
      <Typography variant="subtitle1" gutterBottom>
        Values
      </Typography>
      {migrations.length > 0 && (
        <Typography variant="body2" gutterBottom>
          Migrations: {migrations.map(m => `${m.note ?? ''}${m.from ? ` (from ${m.from})` : ''}`.trim()).join('; ')}
        </Typography>
      )}
      {dropped.length > 0 && (
        <Typography variant="body2" gutterBottom>
          Dropped (no parameter in {plan.to}): {dropped.map(d => <code key={d}>{d} </code>)}
        </Typography>
      )}
      {changes.length > 0 && (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Field</TableCell>
              <TableCell>From</TableCell>
              <TableCell>To</TableCell>
              <TableCell>Origin</TableCell>
              <TableCell>Detail</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {changes.map(c => (
              <TableRow key={c.field} data-testid="plan-value-change" data-field={c.field}>
                <TableCell>
                  <code>{c.field}</code>
                </TableCell>
                <TableCell>
                  <code>{show(c.from)}</code>
                </TableCell>
                <TableCell>
                  <code>{show(c.to)}</code>
                </TableCell>
                <TableCell>
                  <OriginChip origin={c.origin} />
                </TableCell>
                <TableCell>{c.detail}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
};

const FileView = ({ file }: { file: FileChange }) => {
  const classes = useStyles();
  const conflict = file.merge === 'conflict';
  return (
    <Accordion
      TransitionProps={{ unmountOnExit: true }}
      disabled={!file.diff}
      data-testid="plan-file"
      data-path={file.path}
      data-change={file.change}
      data-merge={file.merge}
    >
      <AccordionSummary expandIcon={file.diff ? <ExpandMoreIcon /> : undefined}>
        <div className={classes.summary}>
          <span className={classes.path}>{file.path}</span>
          <Chip size="small" variant="outlined" label={file.change} data-testid="file-change" />
          <StatusChip
            status={file.merge}
            label={conflict ? `conflict${file.conflicts ? ` ×${file.conflicts}` : ''}` : file.merge}
            testId="file-merge"
          />
          {file.note && (
            <Typography variant="caption" color="textSecondary">
              {file.note}
            </Typography>
          )}
        </div>
      </AccordionSummary>
      {file.diff && (
        <AccordionDetails>
          <pre className={classes.diff} data-testid="file-diff">
            {file.diff.split('\n').map((line, i) => (
              <Fragment key={i}>
                <span className={lineClass(classes, line)}>{line || ' '}</span>
              </Fragment>
            ))}
          </pre>
        </AccordionDetails>
      )}
    </Accordion>
  );
};

function lineClass(classes: ReturnType<typeof useStyles>, line: string): string {
  if (/^[+ -]?(<{7}|={7}|>{7})/.test(line)) return classes.marker;
  if (line.startsWith('+++') || line.startsWith('---')) return classes.line;
  if (line.startsWith('@@')) return classes.hunk;
  if (line.startsWith('+')) return classes.add;
  if (line.startsWith('-')) return classes.del;
  return classes.line;
}
