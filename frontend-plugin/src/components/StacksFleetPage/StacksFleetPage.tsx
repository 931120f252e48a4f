import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import {
  Box,
  Card,
  CardContent,
  FormControl,
  Grid,
  InputLabel,
  makeStyles,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Content, ContentHeader, Header, InfoCard, Page, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stacksApiRef } from '../../api/StacksClient';
import { Fleet, FLEET_GROUPS, FleetGroup, StackTemplate } from '../../api/types';
import { DESCRIPTIONS, ErrorPanel, RefLink, StatusChip } from '../common/common';

const useStyles = makeStyles(theme => ({
  row: { cursor: 'pointer' },
  selected: { backgroundColor: theme.palette.action.selected },
  count: { fontSize: '2.2rem', fontWeight: 700, lineHeight: 1.1 },
  groupCard: { height: '100%' },
  empty: { opacity: 0.6 },
}));

/**
 * The stack templates, and for the chosen one (?template=NAME) the fleet:
 * every stack grouped by what upgrading it to a version (?toVersion=)
 * takes, with counts and owners.
 */
export const StacksFleetPage = () => {
  const api = useApi(stacksApiRef);
  const [params, setParams] = useSearchParams();
  const templates = useAsync(() => api.getTemplates(), [api]);
  const chosen = params.get('template') ?? '';
  const toVersion = params.get('toVersion') ?? '';
  const template = templates.value?.find(t => t.name === chosen);

  const choose = (name: string, version?: string) => {
    const next = new URLSearchParams();
    next.set('template', name);
    if (version) next.set('toVersion', version);
    setParams(next);
  };

  return (
    <Page themeId="tool">
      <Header title="Stacks" subtitle="Stack templates and the stacks launched from them" />
      <Content>
        <ContentHeader title="Stack templates" />
        {templates.loading && <Progress />}
        {templates.error && <ErrorPanel title="Could not load the stack templates" error={templates.error} />}
        {templates.value && (
          <TemplatesTable templates={templates.value} chosen={chosen} onChoose={name => choose(name)} />
        )}
        {chosen && templates.value && !template && (
          <Box mt={2}>
            <Typography color="error">No stack template named {chosen}.</Typography>
          </Box>
        )}
        {template && (
          <FleetView
            key={`${template.name}@${toVersion}`}
            template={template}
            toVersion={toVersion}
            onVersion={v => choose(template.name, v)}
          />
        )}
      </Content>
    </Page>
  );
};

const TemplatesTable = ({
  templates,
  chosen,
  onChoose,
}: {
  templates: StackTemplate[];
  chosen: string;
  onChoose: (name: string) => void;
}) => {
  const classes = useStyles();
  return (
    <InfoCard noPadding>
      <Table size="small" data-testid="stack-templates">
        <TableHead>
          <TableRow>
            <TableCell>Template</TableCell>
            <TableCell>Description</TableCell>
            <TableCell>Owner</TableCell>
            <TableCell>Latest</TableCell>
            <TableCell>Versions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {templates.map(t => (
            <TableRow
              key={t.name}
              hover
              className={`${classes.row} ${t.name === chosen ? classes.selected : ''}`}
              onClick={() => onChoose(t.name)}
              data-testid="stack-template-row"
              data-name={t.name}
              aria-selected={t.name === chosen}
            >
              <TableCell>
                <Typography variant="body2" style={{ fontWeight: 600 }}>
                  {t.title || t.name}
                </Typography>
                <Typography variant="caption" color="textSecondary">
                  {t.ref}
                </Typography>
              </TableCell>
              <TableCell>{t.description}</TableCell>
              <TableCell onClick={e => e.stopPropagation()}>
                <RefLink entityRef={t.owner} />
              </TableCell>
              <TableCell>{t.latestVersion}</TableCell>
              <TableCell>{t.versions.join(', ')}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
};

const FleetView = ({
  template,
  toVersion,
  onVersion,
}: {
  template: StackTemplate;
  toVersion: string;
  onVersion: (v: string) => void;
}) => {
  const api = useApi(stacksApiRef);
  const fleet = useAsync(
    () => api.getFleet(template.name, { toVersion: toVersion || undefined }),
    [api, template.name, toVersion],
  );
  const target = toVersion || template.latestVersion;
  return (
    <Box mt={4} data-testid="fleet" data-template={template.name}>
      <ContentHeader title={`Fleet of ${template.title || template.name}`}>
        <FormControl variant="outlined" size="small" style={{ minWidth: 160 }}>
          <InputLabel id="stacks-fleet-version">Plan to version</InputLabel>
          <Select
            labelId="stacks-fleet-version"
            label="Plan to version"
            value={target}
            onChange={e => onVersion(String(e.target.value))}
          >
            {template.versions.map(v => (
              <MenuItem key={v} value={v}>
                {v}
                {v === template.latestVersion ? ' (latest)' : ''}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
      </ContentHeader>
      {fleet.loading && <Progress />}
      {fleet.error && <ErrorPanel title={`Could not plan the fleet of ${template.name}`} error={fleet.error} />}
      {fleet.value && <FleetGroups fleet={fleet.value} />}
    </Box>
  );
};

const FleetGroups = ({ fleet }: { fleet: Fleet }) => {
  const names = [...FLEET_GROUPS, ...Object.keys(fleet.groups).filter(g => !(FLEET_GROUPS as readonly string[]).includes(g))];
  return (
    <>
      <Typography variant="body1" paragraph data-testid="fleet-total">
        {fleet.total} stack{fleet.total === 1 ? '' : 's'} of {fleet.template}, planned to {fleet.toVersion}.
      </Typography>
      <Grid container spacing={2}>
        {names.map(name => (
          <Grid item xs={12} sm={6} md={4} key={name}>
            <GroupCard name={name} group={fleet.groups[name] ?? { count: 0, owners: [], stacks: [] }} />
          </Grid>
        ))}
      </Grid>
    </>
  );
};

const GroupCard = ({ name, group }: { name: string; group: FleetGroup }) => {
  const classes = useStyles();
  return (
    <Card
      variant="outlined"
      className={`${classes.groupCard} ${group.count === 0 ? classes.empty : ''}`}
      data-testid={`fleet-group-${name}`}
      data-count={group.count}
    >
      <CardContent>
        <Box display="flex" alignItems="center" justifyContent="space-between" mb={1}>
          <StatusChip status={name} />
          <span className={classes.count} data-testid="fleet-group-count">
            {group.count}
          </span>
        </Box>
        <Typography variant="caption" color="textSecondary" component="p" gutterBottom>
          {DESCRIPTIONS[name]}
        </Typography>
        {group.owners.length > 0 && (
          <Typography variant="body2" gutterBottom data-testid="fleet-group-owners">
            Owners:{' '}
            {group.owners.map((o, i) => (
              <span key={o}>
                {i > 0 ? ', ' : ''}
                <RefLink entityRef={o} />
              </span>
            ))}
          </Typography>
        )}
        {group.stacks.length > 0 && (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Stack</TableCell>
                <TableCell>Owner</TableCell>
                <TableCell>On</TableCell>
                <TableCell>{name === 'failed' ? 'Error' : 'Blockers / conflicts'}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {group.stacks.map(s => (
                <TableRow key={s.stack} data-testid="fleet-stack" data-stack={s.stack}>
                  <TableCell>{s.stack}</TableCell>
                  <TableCell>
                    <RefLink entityRef={s.owner} />
                  </TableCell>
                  <TableCell>{s.version}</TableCell>
                  <TableCell>
                    {s.error ?? `${s.blockers ?? 0} / ${s.conflicts ?? 0}`}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
};
