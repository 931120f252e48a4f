import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Box,
  Button,
  Chip,
  FormControl,
  Grid,
  InputLabel,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { InfoCard, Link, Progress, WarningPanel } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stacksApiRef, StacksApiError } from '../../api/StacksClient';
import { Stack, StackTemplateVersion, UpgradePlan, UpgradeTask } from '../../api/types';
import { getStackRef, templateName } from '../../annotations';
import { scaffolderTaskRouteRef } from '../../routes';
import { ErrorPanel, Field, RefLink, shortDigest, StatusChip, when } from '../common/common';
import { PlanView } from './PlanView';
import { compareVersions } from '../common/semver';

/**
 * The stack of the current entity (annotation stackyard.dev/stack): what
 * it is, its history, and its upgrade plan.
 */
export const EntityStackContent = () => {
  const { entity } = useEntity();
  const ref = getStackRef(entity);
  if (!ref) {
    return (
      <WarningPanel title="No stack">
        This entity has no <code>stackyard.dev/stack</code> annotation, so it was not launched from a stack template.
      </WarningPanel>
    );
  }
  return <StackView namespace={ref.namespace} name={ref.name} />;
};

const StackView = ({ namespace, name }: { namespace: string; name: string }) => {
  const api = useApi(stacksApiRef);
  const stack = useAsyncRetry(() => api.getStack(namespace, name), [api, namespace, name]);
  const template = stack.value ? templateName(stack.value.template) : undefined;
  const versions = useAsync(
    async () => (template ? api.getTemplateVersions(template) : []),
    [api, template],
  );

  if (stack.loading && !stack.value) return <Progress />;
  if (stack.error) return <ErrorPanel title={`Could not load stack ${namespace}/${name}`} error={stack.error} />;
  if (!stack.value) return null;
  return (
    <Grid container spacing={3} alignItems="stretch" data-testid="stack-content">
      <Grid item xs={12} md={6}>
        <StackCard stack={stack.value} versions={versions.value} />
      </Grid>
      <Grid item xs={12} md={6}>
        <HistoryCard stack={stack.value} />
      </Grid>
      <Grid item xs={12}>
        <UpgradeCard
          stack={stack.value}
          versions={versions.value}
          versionsError={versions.error}
          onUpgraded={stack.retry}
        />
      </Grid>
    </Grid>
  );
};

const StackCard = ({ stack, versions }: { stack: Stack; versions?: StackTemplateVersion[] }) => {
  const current = versions?.find(v => v.version === stack.version);
  return (
    <InfoCard title={`Stack ${stack.namespace}/${stack.name}`} subheader="Launched from a Stackyard stack template">
      <Grid container>
        <Grid item xs={12} sm={6}>
          <Field label="Template" testId="stack-template">
            {stack.template}
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Owner" testId="stack-owner">
            <RefLink entityRef={stack.owner} />
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Version" testId="stack-version">
            <span>{stack.version}</span>{' '}
            {stack.behind ? (
              <Chip size="small" label={`behind: ${stack.latestVersion} is out`} data-testid="stack-behind" />
            ) : (
              <Chip size="small" label="latest" />
            )}
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Latest version" testId="stack-latest-version">
            {stack.latestVersion}
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Lifecycle" testId="stack-lifecycle">
            {stack.lifecycle}
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Content digest" testId="stack-digest">
            <code title={stack.digest}>{shortDigest(stack.digest)}</code>
            {current && current.digest !== stack.digest ? ' (differs from the published version)' : ''}
          </Field>
        </Grid>
        <Grid item xs={12}>
          <Field label="Repository" testId="stack-repository">
            <code>{stack.repository}</code>
          </Field>
        </Grid>
        <Grid item xs={12}>
          <Field label="Entities" testId="stack-entities">
            {stack.entityRefs?.length
              ? stack.entityRefs.map((r, i) => (
                  <span key={r}>
                    {i > 0 ? ', ' : ''}
                    <RefLink entityRef={r} defaultKind="component" />
                  </span>
                ))
              : '—'}
          </Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Created">{when(stack.createdAt)}</Field>
        </Grid>
        <Grid item xs={12} sm={6}>
          <Field label="Updated">{when(stack.updatedAt)}</Field>
        </Grid>
      </Grid>
    </InfoCard>
  );
};

const HistoryCard = ({ stack }: { stack: Stack }) => (
  <InfoCard title="History" noPadding>
    <Table size="small" data-testid="stack-history">
      <TableHead>
        <TableRow>
          <TableCell>When</TableCell>
          <TableCell>What</TableCell>
          <TableCell>Version</TableCell>
          <TableCell>By</TableCell>
          <TableCell>Note</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {(stack.history ?? [])
          .slice()
          .reverse()
          .map((e, i) => (
            <TableRow key={i} data-testid="stack-history-event">
              <TableCell>{when(e.at)}</TableCell>
              <TableCell>{e.action}</TableCell>
              <TableCell>{e.from ? `${e.from} → ${e.to ?? ''}` : e.to ?? ''}</TableCell>
              <TableCell>{e.by ? <RefLink entityRef={e.by} defaultKind="user" /> : ''}</TableCell>
              <TableCell>{e.note ?? ''}</TableCell>
            </TableRow>
          ))}
      </TableBody>
    </Table>
  </InfoCard>
);

const UPGRADABLE = new Set(['ready', 'conflicts']);

const UpgradeCard = ({
  stack,
  versions,
  versionsError,
  onUpgraded,
}: {
  stack: Stack;
  versions?: StackTemplateVersion[];
  versionsError?: Error;
  onUpgraded: () => void;
}) => {
  const api = useApi(stacksApiRef);
  const navigate = useNavigate();
  const taskRoute = useRouteRef(scaffolderTaskRouteRef);
  const taskPath = (taskId: string) =>
    taskRoute ? taskRoute({ taskId }) : `/create/tasks/${encodeURIComponent(taskId)}`;

  // Versions the stack can go to: its own (a no-op plan) and newer ones.
  const targets = useMemo(() => {
    const list = versions?.map(v => v.version) ?? [stack.latestVersion];
    return list.filter(v => compareVersions(v, stack.version) >= 0);
  }, [versions, stack.version, stack.latestVersion]);
  const [chosen, setChosen] = useState<string>('');
  const toVersion = chosen || stack.latestVersion;

  const [plan, setPlan] = useState<UpgradePlan>();
  const [planning, setPlanning] = useState(false);
  const [planError, setPlanError] = useState<Error>();
  const [upgrading, setUpgrading] = useState(false);
  const [upgradeError, setUpgradeError] = useState<Error>();
  const [task, setTask] = useState<UpgradeTask>();

  const planUpgrade = async () => {
    setPlanning(true);
    setPlanError(undefined);
    setUpgradeError(undefined);
    setTask(undefined);
    try {
      setPlan(await api.planUpgrade(stack.namespace, stack.name, { toVersion }));
    } catch (e) {
      setPlan(undefined);
      setPlanError(e as Error);
    } finally {
      setPlanning(false);
    }
  };

  const upgrade = async () => {
    if (!plan) return;
    setUpgrading(true);
    setUpgradeError(undefined);
    try {
      const t = await api.upgrade(stack.namespace, stack.name, { toVersion: plan.to, planDigest: plan.digest });
      setTask(t);
      onUpgraded();
      navigate(taskPath(t.taskId));
    } catch (e) {
      setUpgradeError(e as Error);
    } finally {
      setUpgrading(false);
    }
  };

  const stale = upgradeError instanceof StacksApiError && upgradeError.statusCode === 409;
  const canUpgrade = !!plan && UPGRADABLE.has(plan.status) && !upgrading && !task && !stale;
  const current = versions?.find(v => v.version === toVersion);

  return (
    <InfoCard title="Upgrade" subheader={`${stack.template} ${stack.version} → ${toVersion}`}>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 16 }} mb={2}>
        <FormControl variant="outlined" size="small" style={{ minWidth: 160 }}>
          <InputLabel id="stacks-target-version">Target version</InputLabel>
          <Select
            labelId="stacks-target-version"
            label="Target version"
            value={toVersion}
            onChange={e => {
              setChosen(String(e.target.value));
              setPlan(undefined);
              setUpgradeError(undefined);
            }}
            data-testid="target-version"
          >
            {(targets.includes(toVersion) ? targets : [toVersion, ...targets]).map(v => (
              <MenuItem key={v} value={v}>
                {v}
                {v === stack.latestVersion ? ' (latest)' : ''}
                {v === stack.version ? ' (current)' : ''}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <Button variant="contained" color="primary" onClick={planUpgrade} disabled={planning}>
          {planning ? 'Planning…' : 'Plan upgrade'}
        </Button>
        <Button
          variant="contained"
          color="secondary"
          onClick={upgrade}
          disabled={!canUpgrade}
          title={
            !plan
              ? 'Plan the upgrade first'
              : canUpgrade
                ? `Open an upgrade branch for ${plan.to} (plan ${shortDigest(plan.digest)})`
                : `Upgrading needs a plan that is ready or has conflicts (this one: ${plan.status})`
          }
        >
          {upgrading ? 'Starting…' : 'Upgrade'}
        </Button>
      </Box>
      {current?.changelog && (
        <Box mb={2}>
          <Typography variant="subtitle2">What {current.version} changes</Typography>
          <Typography variant="body2" style={{ whiteSpace: 'pre-wrap' }} data-testid="changelog">
            {current.changelog.trim()}
          </Typography>
        </Box>
      )}
      {versionsError && <ErrorPanel title="Could not load the template's versions" error={versionsError} />}
      {planError && <ErrorPanel title="Could not plan the upgrade" error={planError} />}
      {upgradeError && (
        <ErrorPanel title="Could not start the upgrade" error={upgradeError}>
          {stale && (
            <Typography variant="body2">
              The stack changed since this plan was made: plan the upgrade again and review it.
            </Typography>
          )}
        </ErrorPanel>
      )}
      {task && (
        <Box mb={2} data-testid="upgrade-task">
          <StatusChip status="ready" label="upgrade started" />{' '}
          <Typography variant="body2" component="span">
            Task <Link to={taskPath(task.taskId)}>{task.taskId}</Link> opens branch <code>{task.branch}</code> for{' '}
            {task.toVersion}.
          </Typography>
        </Box>
      )}
      {planning && <Progress />}
      {plan && !planning && <PlanView plan={plan} />}
      {!plan && !planning && !planError && (
        <Typography variant="body2" color="textSecondary">
          A plan shows what upgrading to {toVersion} would do: each file's change and merge, the values that change
          and why, and anything that blocks the upgrade, with who is responsible. Planning changes nothing.
        </Typography>
      )}
    </InfoCard>
  );
};
